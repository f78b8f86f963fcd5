"""A code block growing in a stream: highlighted in full in a thread, its rows laid out once."""

from __future__ import annotations

import pytest
from markdown_it.token import Token

from app.ui.markdown import _blocks
from app.ui.markdown._blocks import CodeHighlighter, fence_lines, highlight_lines

from .conftest import wait_for

DOCSTRING = 'def f():\n    """A docstring\n    over lines\n    """\n    return 1\n'
LINES = [f"value_{n} = {n}  # line {n}" for n in range(120)]


def _grow(highlighter: CodeHighlighter, code: str, step: int = 7) -> list[list[str]]:
    shown = []
    for end in range(step, len(code) + step, step):
        shown.append([line.plain for line in highlighter.lines(code[:end], "python")])
    return shown


def test_only_new_lines_are_highlighted_at_once_while_a_block_streams(monkeypatch):
    monkeypatch.setattr(_blocks, "HIGHLIGHT_EVERY", 0)
    whole: list[int] = []  # lines highlighted at once, each time
    sliced: list[float] = []  # the time given to each slice of a full pass
    real_lines, real_advance = _blocks.highlight_lines, _blocks.Highlighting.advance

    def recording_lines(code: str, language: str, theme: _blocks.CodeTheme = "textual") -> list:
        whole.append(code.count("\n") + 1)
        return real_lines(code, language, theme)

    def recording_advance(self: _blocks.Highlighting, seconds: float) -> bool:
        sliced.append(seconds)
        return real_advance(self, seconds)

    monkeypatch.setattr(_blocks, "highlight_lines", recording_lines)
    monkeypatch.setattr(_blocks.Highlighting, "advance", recording_advance)
    highlighter = CodeHighlighter()
    highlighter.streaming = True
    code = "\n".join(LINES)
    _grow(highlighter, code, step=40)
    # the first call has nothing to build on; after it, a few new lines at a time
    assert max(whole[1:]) < 10
    assert _blocks.SLICE in sliced  # full passes ran, in slices


def test_a_full_pass_in_slices_puts_a_construct_over_several_lines_right(monkeypatch):
    monkeypatch.setattr(_blocks, "HIGHLIGHT_EVERY", 0)
    highlighter = CodeHighlighter()
    highlighter.streaming = True
    # the docstring's middle lines arrive on their own: alone they are not highlighted as a string
    for end in range(1, len(DOCSTRING) + 1):
        highlighter.lines(DOCSTRING[:end], "python")
    full = [(line.plain, line.spans) for line in highlight_lines(DOCSTRING, "python")[:-1]]
    for _ in range(100):  # a pass of the whole text starts and is done in a few slices
        lines = highlighter.lines(DOCSTRING, "python")
        if [(line.plain, line.spans) for line in lines[:-1]] == full:
            break
    else:
        raise AssertionError("the streamed block was never highlighted in full")
    assert highlighter.stale  # the last line is still one highlighted on its own


def test_a_full_pass_matches_textual_highlight():
    from textual.highlight import highlight

    for code, language in ((DOCSTRING, "python"), ("\n".join(LINES), "python"), ("a\tb", "")):
        expected = highlight(code, language=language or None).split("\n", allow_blank=True)
        got = highlight_lines(code, language)
        assert [(line.plain, line.spans) for line in got] == [
            (line.plain, line.spans) for line in expected
        ]


def test_a_block_that_stops_streaming_is_highlighted_in_full_at_once():
    highlighter = CodeHighlighter()
    highlighter.streaming = True
    for end in range(1, len(DOCSTRING) + 1):
        highlighter.lines(DOCSTRING[:end], "python")
    highlighter.streaming = False
    lines = highlighter.lines(DOCSTRING, "python")
    full = highlight_lines(DOCSTRING, "python")
    assert [(line.plain, line.spans) for line in lines] == [
        (line.plain, line.spans) for line in full
    ]
    assert not highlighter.stale


@pytest.mark.parametrize("wrap_code", [True, False])
def test_rows_of_unchanged_lines_are_reused_and_match_a_fresh_layout(wrap_code):
    highlighter = CodeHighlighter()
    highlighter.streaming = True
    code = "\n".join(LINES)
    token = Token("fence", "code", 0, info="python", content=code[:300])
    first = fence_lines(token, 20, highlighter, wrap_code=wrap_code)
    token.content = code[:330]
    second = fence_lines(token, 20, highlighter, wrap_code=wrap_code)
    # the rows of the lines before the last are the same objects: not laid out again
    shared = next(y for y, (a, b) in enumerate(zip(first, second, strict=False)) if a is not b)
    assert shared > len(first) // 2
    fresh = fence_lines(token, 20, CodeHighlighter(), wrap_code=wrap_code)
    assert [row.plain for row in second] == [row.plain for row in fresh]


async def test_rows_above_an_append_are_not_drawn_again_when_the_height_grows():
    from textual.app import App, ComposeResult

    from app.ui.markdown import MarkdownChunk

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield MarkdownChunk("First paragraph.\n\nSecond one, streaming")

    app = One()
    async with app.run_test(size=(60, 12)) as pilot:
        chunk = app.query_one(MarkdownChunk)
        await pilot.pause()
        drawn = [chunk.render_line(y) for y in range(3)]
        height = len(chunk.lines(chunk.content_size.width))
        chunk.append(".\n\nA third paragraph, which adds rows.")
        await pilot.pause()
        assert len(chunk.lines(chunk.content_size.width)) > height
        # the rows before the first that changed are the strips drawn before
        assert chunk.render_line(0) is drawn[0]
        assert chunk.render_line(2).text.rstrip() == "Second one, streaming."


def test_a_long_block_whose_stream_ended_is_highlighted_in_full_in_slices(monkeypatch):
    sliced: list[float] = []
    real_advance = _blocks.Highlighting.advance

    def recording_advance(self: _blocks.Highlighting, seconds: float) -> bool:
        sliced.append(seconds)
        return real_advance(self, seconds)

    code = DOCSTRING + "\n".join(LINES) * 3
    assert len(code) > _blocks.SETTLE_AT_ONCE
    highlighter = CodeHighlighter()
    highlighter.streaming = True
    for end in range(50, len(code) + 50, 50):
        highlighter.lines(code[:end], "python")
    highlighter.streaming = False
    monkeypatch.setattr(_blocks.Highlighting, "advance", recording_advance)
    steps = 1
    while not highlighter.settle():
        steps += 1
    assert steps > 1 and set(sliced) == {_blocks.SLICE}  # never all at once
    assert not highlighter.stale
    full = highlight_lines(code, "python")
    sliced.clear()
    lines = highlighter.lines(code, "python")  # the next layout takes the settled lines
    assert not sliced
    assert [(line.plain, line.spans) for line in lines] == [
        (line.plain, line.spans) for line in full
    ]


async def test_a_chunk_shows_the_full_colours_of_a_long_block_once_settled():
    from textual.app import App, ComposeResult

    from app.ui.markdown import MarkdownChunk

    code = DOCSTRING + "\n".join(LINES) * 3
    source = f"```python\n{code}\n```\n"

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield MarkdownChunk("")

    app = One()
    async with app.run_test(size=(100, 30)) as pilot:
        chunk = app.query_one(MarkdownChunk)
        for end in range(0, len(source), 400):
            chunk.append(source[end : end + 400])
            await pilot.pause()
        chunk.stop()
        assert chunk._blocks.code.stale  # streamed colours until the slices are done
        await wait_for(pilot, lambda: not chunk._blocks.code.stale)
        settled = [line.spans for line in chunk.lines(chunk.content_size.width)]
        fresh = MarkdownChunk(source)
        await app.mount(fresh)
        await pilot.pause()
        assert settled == [line.spans for line in fresh.lines(fresh.content_size.width)]
