"""Long replies and long conversations: Markdown laid out as lines in chunks, and hibernation.

A reply must look like Textual's own Markdown widget of the same text, chunked or not, streamed
or not, and a message that hibernates must keep its place and come back whole.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import PurePath
from typing import ClassVar

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Offset
from textual.pilot import Pilot
from textual.selection import Selection
from textual.widget import Widget
from textual.widgets import Collapsible, Markdown

from app.store import Message, Session
from app.ui._app import HCChatApp, _stylesheets
from app.ui._textual_private import render_screen_strips
from app.ui.markdown import MarkdownBody, MarkdownChunk, _body, _chunk
from app.ui.markdown._body import split_appended, split_chunks
from app.ui.markdown._layout import layout_markdown
from app.ui.widgets import MessageView, ReplyView, SleepGap

from .conftest import chat, screen_text, send_and_wait, wait_for

PARAGRAPH = "Some words that make a paragraph, with **bold** and `code` in it, long enough to wrap."
DOCUMENT = "\n\n".join(
    [
        "# A heading",
        PARAGRAPH,
        "- one\n- two\n  - nested\n- three",
        PARAGRAPH,
        "```python\ndef f(x):\n    return x * 2\n```",
        "1. first\n2. second\n3. third",
        "## Another heading",
        PARAGRAPH,
        "> a quote\n> over two lines",
        PARAGRAPH,
        "| a | b |\n|---|---|\n| 1 | 2 |",
        PARAGRAPH,
        "---",
        "Setext heading\n---",
        PARAGRAPH + "\n" + PARAGRAPH,
        "- last\n- list",
    ]
)
FRAGMENTS = ["# h\n", "para text ", "\n", "\n\n", "- item\n", "1. item\n", "```\n", "code\n"]
FRAGMENTS += ["> quote\n", "---\n", "| a |\n|---|\n", "    indented\n", "*", "`", "word"]


def _blocks(text: str) -> list[tuple[str, str]]:
    """The top-level blocks ``text`` parses into: their kinds and contents."""
    tokens = MarkdownIt("gfm-like", {"html": False}).parse(text)
    return [
        (token.type, token.content or "".join(child.content for child in token.children or []))
        for token in tokens
        if token.level <= 1 and token.nesting >= 0
    ]


def test_chunks_join_to_the_text_and_parse_into_the_blocks_of_the_whole():
    chunks = split_chunks(DOCUMENT, size=60)
    assert len(chunks) > 4
    assert "".join(chunks) == DOCUMENT
    assert all(len(chunk) >= 60 for chunk in chunks[:-1])
    assert [block for chunk in chunks for block in _blocks(chunk)] == _blocks(DOCUMENT)


def test_short_text_is_one_chunk():
    assert split_chunks("short", size=60) == ["short"]
    assert split_chunks("", size=60) == [""]


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))
def test_any_text_splits_into_chunks_that_join_back_and_parse_alike(text):
    chunks = split_chunks(text, size=10)
    assert "".join(chunks) == text
    assert [block for chunk in chunks for block in _blocks(chunk)] == _blocks(text)


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))
@example(text="\n" * 10 + "# h\n")  # a first chunk of blank lines only, then a heading
def test_chunks_laid_out_one_after_another_make_the_lines_of_the_whole(text):
    chunks = split_chunks(text, size=10)
    lines = [
        line.plain
        for number, chunk in enumerate(chunks)
        for line in layout_markdown(chunk, 30, continued=number > 0)
    ]
    assert lines == [line.plain for line in layout_markdown(text, 30)]


def test_a_new_chunk_starts_only_in_the_new_text_where_a_block_starts():
    # the tail already has enough (size 5): a new chunk starts at the first block of the new text
    assert split_appended("First paragraph.\n\n", "Second paragraph.", 5) == [
        "",
        "Second paragraph.",
    ]
    assert split_appended("First paragraph", " goes on.\n\n- a list", 5) == [
        " goes on.\n\n",
        "- a list",
    ]
    assert split_appended("```\ncode\n", "more code\n\nstill code", 5) == [
        "more code\n\nstill code"  # inside a fence
    ]
    assert split_appended("First", " paragraph", 5) == [" paragraph"]  # the same paragraph
    assert split_appended("Para.\n\n", "```\ncode\n```", 5) == ["", "```\ncode\n```"]
    # a burst becomes several chunks; a short tail grows first
    assert split_appended("Hi.\n\n", "One.\n\nTwo.\n\nThree.", 8) == [
        "One.\n\n",
        "Two.\n\nThree.",
    ]
    assert split_appended("Hi", " there", 100) == [" there"]


@settings(max_examples=300, deadline=None)
@given(
    shown=st.lists(st.sampled_from(FRAGMENTS), max_size=10).map("".join),
    new=st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join),
)
def test_appended_text_is_cut_only_where_blocks_start_in_it(shown, new):
    first, *chunks = split_appended(shown, new, 10)
    assert first + "".join(chunks) == new
    whole = shown + new
    tail = shown + first
    assert [b for part in (tail, *chunks) for b in _blocks(part)] == _blocks(whole)


class _Pair(App[None]):
    """Textual's Markdown widget of the text above a chunked body of it (or one to stream into)."""

    CSS = "#whole { padding: 0; }"  # as the app styles a message body
    # the look of the chunks, as the app loads it
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        path for path in _stylesheets() if str(path).endswith("markdown.tcss")
    ]

    def __init__(self, text: str, *, stream: bool = False) -> None:
        super().__init__()
        self.text = text
        self.stream = stream

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(self.text, id="whole")
            yield MarkdownBody("" if self.stream else self.text, classes="chunked")


def _drawn(app: App[None]) -> bool:
    """Textual's Markdown widget has parsed (in a thread) and mounted its blocks."""
    whole = app.query_one("#whole", Markdown)
    return bool(whole.children) and not whole.lock.is_locked


async def _until_drawn(pilot: Pilot[None]) -> None:
    """Wait for both sides of a ``_Pair`` to be there, then for a frame to show them."""
    await wait_for(pilot, lambda: _drawn(pilot.app))
    await pilot.pause()


def _rows(app: App[None], widget: Widget) -> list[str]:
    """The text of the screen rows that ``widget`` covers."""
    region = widget.region
    strips = render_screen_strips(app.screen)
    rows = ["".join(segment.text for segment in strip) for strip in strips]
    return [row[region.x : region.right].rstrip() for row in rows[region.y : region.bottom]]


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(_body, "CHUNK_CHARS", 60)


async def test_a_chunked_body_looks_like_textuals_markdown_widget(small_chunks):
    app = _Pair(DOCUMENT)
    async with app.run_test(size=(80, 200)) as pilot:
        await _until_drawn(pilot)
        body = app.query_one(MarkdownBody)
        whole = app.query_one("#whole", Markdown)
        assert len(body.chunks) > 4
        assert body.source == DOCUMENT
        assert body.region.height == whole.region.height > 40
        assert _rows(app, body) == _rows(app, whole)


async def test_a_streamed_body_ends_looking_like_textuals_markdown_widget(small_chunks):
    app = _Pair(DOCUMENT, stream=True)
    pieces = random.Random(5)
    async with app.run_test(size=(80, 200)) as pilot:
        body = app.query_one(MarkdownBody)
        start = 0
        while start < len(DOCUMENT):
            end = start + pieces.randint(1, 40)
            await body.write(DOCUMENT[start:end])
            if pieces.random() < 0.3:
                await pilot.pause()
            start = end
        await body.stop()  # the stream ended: the code block it grew gets all its colours
        await _until_drawn(pilot)
        assert len(body.chunks) > 4
        assert body.source == DOCUMENT
        assert [chunk.source for chunk in body.chunks] != [DOCUMENT]
        whole = app.query_one("#whole", Markdown)
        assert _rows(app, body) == _rows(app, whole)
        ours, textuals = _cells(app, body), _cells(app, whole)
        assert all(_alike(mine[3], theirs[3]) for mine, theirs in zip(ours, textuals, strict=True))


async def test_a_code_block_growing_in_a_stream_is_highlighted_again_when_it_ends():
    # a docstring over many lines: a line highlighted on its own does not know it is in one
    doc = "\n".join(f"    if x is {number} return {number}" for number in range(20))
    code = f'def f(x):\n    """\n{doc}\n    """\n    return x'
    text = f"Some code:\n\n```python\n{code}\n```\n"
    app = _Pair(text, stream=True)
    async with app.run_test(size=(80, 200)) as pilot:
        body = app.query_one(MarkdownBody)
        for start in range(0, len(text), 7):  # quicker than it is highlighted again
            await body.write(text[start : start + 7])
        whole = app.query_one("#whole", Markdown)
        # laid out, and looked at before the block is highlighted again: no pause for a frame
        await wait_for(pilot, lambda: _drawn(app) and 0 < body.region.height == whole.region.height)
        assert _rows(app, body) == _rows(app, whole)  # every line is there
        assert _cells(app, body) != _cells(app, whole)  # some coloured as code, not docstring
        await body.stop()
        await pilot.pause()
        ours, textuals = _cells(app, body), _cells(app, whole)
        assert all(_alike(mine[3], theirs[3]) for mine, theirs in zip(ours, textuals, strict=True))


def _cells(app: App[None], widget: Widget) -> list[tuple[int, int, str, tuple[object, ...]]]:
    """Every visible character that ``widget`` shows: row, column, character, and its style."""
    region = widget.region
    strips = render_screen_strips(app.screen)
    cells = []
    for y, strip in enumerate(strips[region.y : region.bottom]):
        x = 0
        for segment in strip:
            style = segment.style
            for character in segment.text:
                if region.x <= x < region.right and not character.isspace() and style:
                    colours = [
                        color.get_truecolor() if color else None
                        for color in (style.color, style.bgcolor)
                    ]
                    attributes = (style.bold, style.italic, style.underline, style.strike)
                    cells.append((y, x - region.x, character, (*colours, *attributes)))
                x += 1
    return cells


def _alike(ours: tuple[object, ...], textuals: tuple[object, ...]) -> bool:
    """The same style, allowing a colour to differ by rounding (1-2 in a channel)."""
    for mine, theirs in zip(ours, textuals, strict=True):
        if isinstance(mine, tuple) and isinstance(theirs, tuple):
            if max(abs(a - b) for a, b in zip(mine, theirs, strict=True)) > 6:
                return False
        elif bool(mine) != bool(theirs):
            return False
    return True


async def test_every_character_has_the_style_textuals_markdown_gives_it():
    app = _Pair(DOCUMENT)
    async with app.run_test(size=(80, 200)) as pilot:
        await _until_drawn(pilot)
        ours = _cells(app, app.query_one(MarkdownBody))
        textuals = _cells(app, app.query_one("#whole", Markdown))
        assert [cell[:3] for cell in ours] == [cell[:3] for cell in textuals]
        different = [
            (mine, theirs)
            for mine, theirs in zip(ours, textuals, strict=True)
            if not _alike(mine[3], theirs[3])
        ]
        assert not different


async def test_selected_text_leaves_out_the_padding_of_blocks():
    app = _Pair("## Heading\n\nA paragraph.")
    async with app.run_test(size=(60, 30)) as pilot:
        await _until_drawn(pilot)
        chunk = app.query_one(MarkdownChunk)
        selected = chunk.get_selection(Selection(Offset(0, 0), Offset(5, 5)))
        assert selected == ("\n\nHeading\n\nA par", "\n")


def _hold(conversation: VerticalScroll, *, top: bool) -> bool:
    """Scroll to the top or the end again, as a reader holding Home or End does; always True."""
    if top:
        conversation.release_anchor()
        conversation.scroll_home(animate=False)
    else:
        conversation.scroll_end(animate=False)
    return True


def _tidied(conversation: VerticalScroll) -> bool:
    """No pass waking and hibernating messages is running or waiting to run."""
    return conversation._tidy_timer is None and not conversation._tidying  # type: ignore[attr-defined]


LONG_REPLY = "\n\n".join([PARAGRAPH] * 4)


async def _mount_everything(app: HCChatApp) -> VerticalScroll:
    """Mount every message of the open session; its conversation pane."""
    screen = chat(app)
    while screen._first_mounted:
        await screen.mount_earlier()
    return screen.query_one("#conversation", VerticalScroll)


async def _at_the_end(
    pilot: Pilot[object], app: HCChatApp
) -> tuple[VerticalScroll, list[ReplyView]]:
    """Every message mounted, the pane held at its end until the first reply sleeps and the
    pass that put it to sleep is over; the pane and the replies."""
    conversation = await _mount_everything(app)
    views = list(chat(app).query(ReplyView))
    await wait_for(pilot, lambda: _hold(conversation, top=False) and views[0].hibernating)
    # Held at the end until the passes are over: a scroll_end made before the last layout
    # stops short of the end, and the pass after it may put the last reply to sleep.
    # (Scrolling again only while the last reply sleeps: each scroll schedules another pass.)
    await wait_for(
        pilot,
        lambda: (
            _tidied(conversation)
            and (not views[-1].hibernating or not _hold(conversation, top=False))
        ),
    )
    return conversation, views


def _long_session(pairs: int, reply: str) -> Session:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    session = Session(id="20260101-000000-00aa", title="Long", created=when, updated=when)
    session.model = "m"
    for number in range(pairs):
        session.messages.append(Message("user", f"question {number}", created=when))
        session.messages.append(Message("assistant", f"{number}: {reply}", created=when, model="m"))
    return session


async def test_far_messages_hibernate_keeping_their_place_and_wake_when_scrolled_to(make_app):
    app = make_app(_long_session(40, LONG_REPLY))
    async with app.run_test(size=(80, 24)) as pilot:
        conversation, views = await _at_the_end(pilot, app)
        height = conversation.virtual_size.height
        sleeping = [view for view in views if view.hibernating]
        assert 0 < len(sleeping) < len(views) and not views[-1].hibernating
        assert not views[0].children  # its widgets are gone
        mounted = len(chat(app).query("*"))
        for view in sleeping:
            await view.wake()
        assert len(chat(app).query("*")) > mounted
        # a sleeping message kept its height: once laid out awake, the whole is as high as before
        await wait_for(pilot, lambda: conversation.virtual_size.height == height)
        await wait_for(
            pilot,
            lambda: (
                _hold(conversation, top=True) and views[-1].hibernating and not views[0].hibernating
            ),
        )
        assert views[0].body.source == views[0].message.content


async def test_sleeping_messages_are_hidden_behind_one_gap_per_run(make_app):
    app = make_app(_long_session(40, LONG_REPLY))
    async with app.run_test(size=(80, 24)) as pilot:
        conversation = await _mount_everything(app)
        await pilot.pause()
        await wait_for(pilot, lambda: _tidied(conversation))
        awake_height = conversation.virtual_size.height
        views = list(conversation.query_children(MessageView))
        await wait_for(pilot, lambda: _hold(conversation, top=False) and views[0].hibernating)
        await wait_for(pilot, lambda: _tidied(conversation))
        await pilot.pause()
        assert conversation.virtual_size.height == awake_height
        gaps = [child for child in conversation.children if isinstance(child, SleepGap)]
        assert len(gaps) == 1  # the sleeping messages are all above the awake ones
        run = [view for view in views if view.hibernating]
        assert all(not view.display for view in run)
        # a gap is as tall as its run: each message with its one-row top margin
        assert gaps[0].outer_size.height == sum(view.sleep_height + 1 for view in run) - 1
        assert len(conversation.displayed_children) == 1 + sum(1 for v in views if v.display)
        # the gap stands where its run starts, and the first awake message where it was
        first_awake = next(view for view in views if not view.hibernating)
        assert first_awake.virtual_region.y == gaps[0].virtual_region.bottom + 1


async def test_moving_up_from_a_message_wakes_the_sleeping_one_above(make_app):
    app = make_app(_long_session(40, LONG_REPLY))
    async with app.run_test(size=(80, 24)) as pilot:
        conversation = await _mount_everything(app)
        views = list(conversation.query_children(MessageView))
        await wait_for(pilot, lambda: _hold(conversation, top=True) and views[-1].hibernating)
        await pilot.pause()  # the last scroll home is made after a refresh
        await wait_for(pilot, lambda: _tidied(conversation))
        await pilot.press("ctrl+up")  # the last message: asleep, so woken to take the focus
        await wait_for(pilot, lambda: app.focused is views[-1])
        assert not views[-1].hibernating and views[-1].children
        await wait_for(pilot, lambda: "39: Some words" in screen_text(app))  # scrolled to it
        for _ in range(4):
            await pilot.press("up")
        await pilot.pause()
        assert app.focused is views[-5] and not views[-5].hibernating


async def test_a_woken_message_takes_its_lines_from_the_cache(make_app, monkeypatch):
    laid_out: list[str] = []
    layout = _chunk.layout_markdown

    def counting(text: str, *args: object, **kwargs: object) -> object:
        laid_out.append(text)
        return layout(text, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_chunk, "layout_markdown", counting)
    app = make_app(_long_session(40, LONG_REPLY))
    async with app.run_test(size=(80, 24)) as pilot:
        _, views = await _at_the_end(pilot, app)
        laid_out.clear()
        await views[0].show()  # woken, focused (so it stays awake) and scrolled to
        await wait_for(pilot, lambda: "0: Some words" in screen_text(app))
        assert views[0].body.source == views[0].message.content
        assert not laid_out  # it, and the messages woken around it, were laid out before


async def test_a_reply_without_reasoning_gets_the_block_when_a_version_has_some(make_app):
    when = datetime(2026, 1, 1, tzinfo=UTC)
    session = Session(id="20260101-000000-00ab", title="Versions", created=when, updated=when)
    thought = Message("assistant", "first", created=when, model="m", reasoning="I pondered.")
    session.messages = [
        Message("user", "q", created=when),
        Message("assistant", "second", created=when, model="m", alternatives=[thought]),
    ]
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        view = chat(app).query(ReplyView).last()
        assert not view.query(Collapsible)  # no reasoning: no block, four widgets fewer
        await view.show_message(thought)
        await pilot.pause()
        assert view.reasoning_block.display
        assert view.reasoning_body.source == "I pondered."
        assert view.body.source == "first"
        await view.show_message(session.messages[1])
        await pilot.pause()
        assert not view.reasoning_block.display and view.body.source == "second"


async def test_a_burst_is_shown_whole_and_the_readers_place_is_kept(make_app, loopback):
    from loopback import reply

    paragraphs = [f"Paragraph {number:03d}. {PARAGRAPH} {PARAGRAPH}" for number in range(150)]
    text = "\n\n".join(paragraphs)
    loopback.enqueue(reply(text, chunk_size=400))  # arrives faster than it can be shown
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await send_and_wait(pilot, "write a lot")
        view = chat(app).query(ReplyView).last()
        body = view.body
        assert body.source == text == view.message.content
        assert len(body.chunks) > 10
        assert "Paragraph 149." in screen_text(app)  # the end is on screen
        conversation = chat(app).query_one("#conversation", VerticalScroll)
        await wait_for(
            pilot, lambda: _hold(conversation, top=True) and "Paragraph 000." in screen_text(app)
        )
        middle = conversation.max_scroll_y // 2
        conversation.scroll_to(y=middle, animate=False)
        await wait_for(pilot, lambda: conversation.scroll_y == middle)
        await pilot.pause()
        shown = [line for line in screen_text(app).splitlines() if "Paragraph" in line]
        assert shown
        await pilot.pause(0.5)  # proving a negative: for a while nothing moves the reader's place
        assert [line for line in screen_text(app).splitlines() if "Paragraph" in line] == shown
