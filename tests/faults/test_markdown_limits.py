"""Markdown that would freeze the app or vanish from it (issue 17, classes 6 and 10).

A table with thousands of columns took 51 s to lay out, in lines 8,000 cells wide that showed
nothing past the edge; it now lays out the columns that fit and says how many it left out, in a
bounded amount of work, while keys still answer. Blocks nested deeper than the parser goes
(markdown-it drops them) are shown as written under a mark instead of vanishing.
"""

from __future__ import annotations

import pytest
from loopback import reply

from app.ui.markdown import _blocks, _parse
from app.ui.markdown._blocks import MAX_CELL_CHARS, shown_columns
from app.ui.markdown._layout import TOO_DEEP_MARK, layout_markdown

from .conftest import chat, screen_text, send_and_wait, still_works, wait_for

WIDTH = 78


def wide_table(columns: int, rows: int = 5) -> str:
    header = "| " + " | ".join(f"h{n}" for n in range(columns)) + " |\n"
    rule = "|" + "---|" * columns + "\n"
    body = "".join(
        "| " + " | ".join(f"r{row}c{n}" for n in range(columns)) + " |\n" for row in range(rows)
    )
    return header + rule + body


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many cells the table layout turns into text and how many it wraps."""
    calls = {"cells": 0, "wraps": 0}
    inline, wrap = _blocks.inline_content, _blocks.wrap

    def counting_inline(token):  # type: ignore[no-untyped-def]
        calls["cells"] += 1
        return inline(token)

    def counting_wrap(content, width):  # type: ignore[no-untyped-def]
        calls["wraps"] += 1
        return wrap(content, width)

    monkeypatch.setattr(_blocks, "inline_content", counting_inline)
    monkeypatch.setattr(_blocks, "wrap", counting_wrap)
    return calls


@pytest.mark.parametrize("columns", [500, 2000])
def test_a_table_of_thousands_of_columns_lays_out_what_fits_and_counts_the_rest(counted, columns):
    _parse.parse.cache_clear()
    lines = layout_markdown(wide_table(columns), WIDTH)
    shown = shown_columns(columns, WIDTH)
    assert 4 <= shown <= 20
    rows = 6
    # the work is bounded by what is shown, not by the table
    assert counted["cells"] <= rows * shown
    assert counted["wraps"] <= rows * shown + 2
    assert max(line.cell_length for line in lines) <= WIDTH
    text = "\n".join(line.plain for line in lines)
    assert f"… {columns - shown:,} more columns not shown" in text
    assert "h0" in text and f"h{shown - 1}" in text and f"h{shown}" not in text


@pytest.mark.parametrize("pipes", ["edges", "inner"])
def test_the_parser_reads_at_most_the_cap_of_columns_and_counts_the_rest(pipes):
    text = wide_table(2000, rows=2)
    if pipes == "inner":  # rows written without their outer pipes
        text = "\n".join(line.strip("|") for line in text.splitlines()) + "\n"
    [table] = _parse.parse_blocks(text)
    assert table.kind == "table"
    rows = [row for part in table.children for row in part.children]
    assert len(rows) == 3
    assert all(len(row.children) == _parse.MAX_TABLE_COLUMNS for row in rows)
    assert table.cut == 2000 - _parse.MAX_TABLE_COLUMNS


def test_a_huge_cell_is_cut_and_does_not_starve_the_other_columns():
    text = "| a | b |\n|---|---|\n| " + "x" * 50_000 + " | short |\n"
    lines = layout_markdown(text, WIDTH)
    assert len(lines) < MAX_CELL_CHARS // 10  # a cell of 50,000 characters wrapped is ~1,000 rows
    assert any("short" in line.plain for line in lines)
    assert any("…" in line.plain for line in lines)


def test_a_narrow_table_is_laid_out_whole_without_a_mark():
    lines = layout_markdown(wide_table(4), WIDTH)
    text = "\n".join(line.plain for line in lines)
    assert "h3" in text and "more column" not in text


async def test_keys_answer_while_a_2000_column_table_is_on_screen(make_app, loopback):
    loopback.enqueue(reply("Here it is:\n\n" + wide_table(2000), chunk_size=4000))
    app = make_app()
    async with app.run_test(size=(80, 30)) as pilot:
        await send_and_wait(pilot, "a wide table please", timeout=30)
        await wait_for(pilot, lambda: "more columns not shown" in screen_text(app))
        prompt = chat(app).query_one("#prompt")
        await pilot.press("h", "i")
        await wait_for(pilot, lambda: prompt.text == "hi")
        await pilot.press("backspace", "backspace")
        await still_works(pilot)
        saved = chat(app).session.messages[1].content
        assert saved.count("|") > 2000 * 6  # the session keeps the whole table


DEEP_LIST = "".join("  " * depth + f"- level {depth}\n" for depth in range(25)) + "\nafter\n"
DEEP_QUOTE = "> " * 25 + "the deepest words\n\nafter\n"


@pytest.mark.parametrize(("text", "deepest"), [(DEEP_LIST, "level 24"), (DEEP_QUOTE, "deepest")])
def test_markdown_nested_past_the_parser_shows_a_mark_and_its_text(text, deepest):
    lines = [line.plain for line in layout_markdown(text, 120)]
    joined = "\n".join(lines)
    assert TOO_DEEP_MARK in joined
    assert deepest in joined  # markdown-it alone drops these lines
    assert lines[-2] == "after"  # and what follows is laid out as before


async def test_a_deeply_nested_reply_shows_the_mark_on_screen(make_app, loopback):
    loopback.enqueue(reply(DEEP_LIST, chunk_size=7))
    app = make_app()
    async with app.run_test(size=(120, 60)) as pilot:
        await send_and_wait(pilot, "nest deeply")
        await wait_for(pilot, lambda: "nested deeper than shown" in screen_text(app))
        assert "level 24" in screen_text(app)
