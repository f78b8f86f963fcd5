"""Plain arithmetic on what requests use: money in USD and tokens of a model's context."""

from __future__ import annotations

# With no tokenizer, text is taken to cost one token per this many characters.
CHARS_PER_TOKEN = 4


def format_cost(usd: float) -> str:
    """An amount of USD to show: ``$1.23``, ``$0.0123``, ``$0.000055``."""
    if usd == 0:
        return "$0"
    if usd >= 1:
        return f"${usd:,.2f}"
    if usd >= 0.01:
        return f"${usd:.4f}"
    return f"${usd:.6f}"


def format_tokens(count: int) -> str:
    """A token count in short: ``950``, ``41k``, ``1M``."""
    if count >= 1_000_000:
        return f"{count / 1_000_000:.3g}M"
    if count >= 1000:
        return f"{count / 1000:.3g}k"
    return str(count)


def estimate_tokens(text: str) -> int:
    """About how many tokens ``text`` takes (no tokenizer: a quarter of its length)."""
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN
