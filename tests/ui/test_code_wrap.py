"""Long code lines: wrapped with a mark by default, cut with a mark on request, copied whole."""

from __future__ import annotations

from loopback import reply
from textual.geometry import Offset
from textual.selection import Selection

from app.ui.markdown import MarkdownChunk
from app.ui.markdown._blocks import CUT_MARK, WRAP_MARK, continues
from app.ui.markdown._layout import BlockCache, layout_markdown
from app.ui.widgets import ReplyView

from .conftest import chat, send_and_wait, wait_for

LONG = "print('" + "a long line of code, " * 6 + "')"
CODE = f"Some code:\n\n```python\nx = 1\n{LONG}\n```\n"


def _code_rows(text: str, width: int, **options: bool) -> list[str]:
    return [line.plain.rstrip() for line in layout_markdown(text, width, **options)][3:-2]


def test_a_long_code_line_wraps_onto_rows_that_start_with_a_mark():
    rows = _code_rows(CODE, 40)
    assert rows[0] == "  x = 1"
    assert len(rows) > 3
    assert all(row.startswith("  " + WRAP_MARK) for row in rows[2:])
    pieces = [rows[1][2:]] + [row[2 + len(WRAP_MARK) :] for row in rows[2:]]
    assert "".join(pieces) == LONG
    assert all(len(row) <= 38 for row in rows)


def test_a_cut_code_line_ends_with_a_mark_at_the_right_edge():
    rows = _code_rows(CODE, 40, wrap_code=False)
    assert rows == ["  x = 1", "  " + LONG[:35] + CUT_MARK]


def test_only_the_wrap_mark_says_a_row_carries_on_the_line_above():
    lines = layout_markdown(f"```\n{LONG}\n↪ not a mark, typed\n```", 40)
    carried = [continues(line) is not None for line in lines]
    assert carried.count(True) == len(lines) - 6  # not 4 blanks, the first row, the typed one
    assert not carried[-3]


def test_wrapped_and_cut_layouts_are_kept_apart_in_the_block_cache():
    cache = BlockCache()
    wrapped = layout_markdown(CODE, 40, cache=cache)
    cut = layout_markdown(CODE, 40, cache=cache, wrap_code=False)
    assert len(wrapped) > len(cut)
    assert layout_markdown(CODE, 40, cache=cache) == wrapped


async def test_w_toggles_wrapping_and_copying_gives_the_original_lines(make_app, loopback):
    loopback.enqueue(reply(CODE))
    app = make_app()
    async with app.run_test(size=(60, 30)) as pilot:
        await send_and_wait(pilot, "code")
        view = chat(app).query(ReplyView).last()
        chunk = view.body.chunks[0]
        wrapped = chunk.lines(chunk.content_size.width)
        assert any(continues(line) is not None for line in wrapped)
        selected, _ = chunk.get_selection(Selection(None, None)) or ("", "")
        assert f"x = 1\n  {LONG}\n" in selected
        await pilot.press("ctrl+up", "w")
        await wait_for(pilot, lambda: not chunk.wrap_code)
        cut = chunk.lines(chunk.content_size.width)
        assert len(cut) < len(wrapped)
        assert any(line.plain.rstrip().endswith(CUT_MARK) for line in cut)
        await pilot.press("b")
        assert app.clipboard == f"x = 1\n{LONG}\n"
        await pilot.press("w")
        await wait_for(pilot, lambda: chunk.wrap_code)


async def test_a_selection_that_starts_on_a_continued_row_leaves_out_the_mark():
    chunk = MarkdownChunk(f"```\n{LONG}\n```")
    lines = layout_markdown(chunk.source, 40)
    chunk.lines = lambda width: lines  # type: ignore[method-assign]
    text, _ = chunk.get_selection(Selection(Offset(0, 4), Offset(10, 5))) or ("", "")
    assert WRAP_MARK not in text
    assert "\n" not in text
    assert LONG.find(text) > 0
