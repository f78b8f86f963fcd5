"""Shared helpers of the benchmark scripts: statistics, targets, an isolated home, paths.

Not a test module: pytest collects only ``test_*.py``, and the scripts here are run by hand
(``python tests/bench/bench_NAME.py [--quick]``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
BENCH = Path(__file__).resolve().parent
for folder in (str(ROOT), str(TESTS)):
    if folder not in sys.path:
        sys.path.insert(0, folder)


@dataclass(frozen=True)
class Stat:
    """Median and spread of some samples."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)

    def quantile(self, q: float) -> float:
        ordered = sorted(self.samples)
        if len(ordered) == 1:
            return ordered[0]
        position = q * (len(ordered) - 1)
        below = int(position)
        above = min(below + 1, len(ordered) - 1)
        return ordered[below] + (ordered[above] - ordered[below]) * (position - below)

    @property
    def iqr(self) -> tuple[float, float]:
        return self.quantile(0.25), self.quantile(0.75)

    def show(self, unit: str = "s", scale: float = 1.0, digits: int = 3) -> str:
        """``median [min–max, IQR a–b] (n=N)`` in ``unit``."""
        q1, q3 = self.iqr

        def f(value: float) -> str:
            return f"{value * scale:.{digits}f}"

        return (
            f"{f(self.median)} {unit} [min {f(self.low)}, max {f(self.high)}, "
            f"IQR {f(q1)}–{f(q3)}] (n={len(self.samples)})"
        )


def stat(samples: Sequence[float]) -> Stat:
    """A ``Stat`` of the samples (at least one)."""
    if not samples:
        raise ValueError("no samples")
    return Stat(tuple(samples))


@dataclass
class Targets:
    """The targets a script checks, printed together at the end."""

    rows: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, met: bool, detail: str) -> None:
        self.rows.append((name, met, detail))

    def report(self, *, smoke: bool = False) -> int:
        """Print every target as MET or MISSED; the exit code is 1 if any was missed.

        A smoke run (``--quick``: smaller inputs, one run) only shows that the script works,
        so it always exits 0.
        """
        print("\nTargets" + (" (smoke run: shown, not enforced):" if smoke else ":"))
        for name, met, detail in self.rows:
            print(f"  [{'MET   ' if met else 'MISSED'}] {name}: {detail}")
        return 0 if smoke or all(met for _, met, _ in self.rows) else 1


def parser(description: str, runs: int, quick_runs: int) -> argparse.ArgumentParser:
    """An argument parser with ``--quick`` (a smoke run of a few seconds) and ``--runs``."""
    result = argparse.ArgumentParser(description=description)
    result.add_argument("--quick", action="store_true", help="a smoke run of a few seconds")
    result.add_argument("--runs", type=int, default=None, help=f"repetitions (default {runs})")
    result.set_defaults(default_runs=runs, quick_runs=quick_runs)
    return result


def run_count(args: argparse.Namespace) -> int:
    """How many repetitions to make."""
    if args.runs is not None:
        return max(1, int(args.runs))
    return int(args.quick_runs if args.quick else args.default_runs)


@contextmanager
def isolated_home(keep: Path | None = None) -> Iterator[Path]:
    """A temporary HOME with XDG folders, set in ``os.environ`` for this process and children."""
    names = (
        "HOME",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_CACHE_HOME",
        "XDG_STATE_HOME",
        "HCCHAT_API_KEY",
        "HCCHAT_BASE_URL",
        "TEXTUAL_THEME",
    )
    saved = {name: os.environ.get(name) for name in names}
    with tempfile.TemporaryDirectory(prefix="hcchat-bench-", dir=keep) as folder:
        home = Path(folder)
        os.environ["HOME"] = str(home)
        for variable, sub in (
            ("XDG_CONFIG_HOME", ".config"),
            ("XDG_DATA_HOME", ".local/share"),
            ("XDG_CACHE_HOME", ".cache"),
            ("XDG_STATE_HOME", ".local/state"),
        ):
            (home / sub).mkdir(parents=True, exist_ok=True)
            os.environ[variable] = str(home / sub)
        os.environ["HCCHAT_API_KEY"] = "sk-bench-not-a-real-key-0123456789"
        os.environ.pop("HCCHAT_BASE_URL", None)
        os.environ.pop("TEXTUAL_THEME", None)
        try:
            yield home
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def sessions_folder(home: Path) -> Path:
    """Where hcchat keeps sessions under the isolated ``home``."""
    return home / ".local/share" / "hcchat" / "sessions"


def ratio(value: float, floor: float) -> str:
    """``value / floor`` as ``N.NNx``."""
    return f"{value / floor:.2f}x" if floor > 0 else "n/a"
