"""The Markdown reply the streaming benchmarks send, cut into tokens.

A 4,000-token unit has headings, paragraphs with inline markup, bullet and numbered lists, and
three fenced code blocks, one of them 200 lines long. Longer replies repeat the unit, so a
16,000-token reply is four of them: the same kinds of blocks, four times as many.
"""

from __future__ import annotations

import random
import re

UNIT_TOKENS = 4000
_TOKEN = re.compile(r"\s*\S+|\s+$")

_WORDS = [
    "the",
    "stream",
    "appends",
    "each",
    "delta",
    "to",
    "the",
    "last",
    "block",
    "of",
    "the",
    "document",
    "while",
    "the",
    "terminal",
    "keeps",
    "up",
    "with",
    "the",
    "network",
    "and",
    "a",
    "reader",
    "scrolls",
    "back",
    "through",
    "replies",
    "that",
    "arrived",
    "earlier",
    "so",
    "latency",
    "matters",
    "more",
    "than",
    "throughput",
    "once",
    "the",
    "model",
    "answers",
    "faster",
    "than",
    "anyone",
    "reads",
]


def _sentence(rng: random.Random, words: int) -> str:
    picked = [rng.choice(_WORDS) for _ in range(words)]
    if rng.random() < 0.3:
        picked[rng.randrange(words)] = f"**{rng.choice(_WORDS)}**"
    if rng.random() < 0.3:
        picked[rng.randrange(words)] = f"`{rng.choice(_WORDS)}()`"
    if rng.random() < 0.1:
        picked[rng.randrange(words)] = "[docs](https://example.com/docs)"
    return " ".join(picked).capitalize() + "."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng, rng.randint(8, 16)) for _ in range(sentences))


def _bullets(rng: random.Random, items: int, numbered: bool) -> str:
    lines = []
    for n in range(1, items + 1):
        mark = f"{n}." if numbered else "-"
        lines.append(f"{mark} {_sentence(rng, rng.randint(5, 10))}")
    return "\n".join(lines)


def _code(rng: random.Random, language: str, lines: int) -> str:
    body = []
    for n in range(lines):
        indent = "    " * (n % 3)
        name = rng.choice(_WORDS)
        body.append(f"{indent}{name}_{n} = compute({name!r}, {n}, limit={rng.randint(1, 99)})")
    return f"```{language}\n" + "\n".join(body) + "\n```"


def _unit(rng: random.Random, part: int) -> list[str]:
    blocks = [
        f"## Part {part}: streaming a long answer",
        _paragraph(rng, 4),
        _bullets(rng, 8, numbered=False),
        _code(rng, "python", 20),
        _paragraph(rng, 3),
        _bullets(rng, 6, numbered=True),
        "### The long listing",
        _code(rng, "python", 200),
        _paragraph(rng, 3),
        _code(rng, "bash", 12),
    ]
    return blocks


def tokens(text: str) -> list[str]:
    """``text`` cut into tokens: a word with the white space before it."""
    return _TOKEN.findall(text)


def reply_tokens(count: int, seed: int = 7) -> list[str]:
    """A Markdown reply of exactly ``count`` tokens, made of ``count / 4000`` units."""
    rng = random.Random(seed)
    units = max(1, round(count / UNIT_TOKENS))
    pieces: list[str] = []
    for part in range(1, units + 1):
        blocks = _unit(rng, part)
        budget = part * count // units
        # paragraphs and lists fill each unit up to its share of the tokens
        while len(tokens("\n\n".join(blocks))) + len(pieces) < budget:
            filler = (
                _paragraph(rng, 3)
                if rng.random() < 0.6
                else _bullets(rng, rng.randint(3, 6), numbered=rng.random() < 0.5)
            )
            blocks.insert(-1, filler)
        unit = tokens(("\n\n" if part > 1 else "") + "\n\n".join(blocks))
        pieces.extend(unit)
    if len(pieces) > count:
        # drop whole filler tokens from the end of the last paragraph before the final fence
        text = "".join(pieces)
        fence = text.rfind("\n\n```bash")
        head, tail = tokens(text[:fence]), tokens(text[fence:])
        pieces = head[: count - len(tail)] + tail
    return pieces
