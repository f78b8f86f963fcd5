"""What the benchmarks read of a process from /proc (no imports: ``_launch.py`` is timed)."""


def rss() -> int:
    """This process's resident memory now, in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0
