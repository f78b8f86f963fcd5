"""Long replies and long conversations: chunked Markdown, and hibernation far from the viewport.

A chunked reply must look exactly like one Markdown widget of the same text, streamed or not,
and a message or chunk that hibernates must keep its place and come back whole.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from app.store import Message, Session
from app.ui.widgets import ReplyView, _markdown_body
from app.ui.widgets._markdown_body import MarkdownBody, next_cut, split_chunks

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


def test_a_new_chunk_starts_only_in_the_new_text_where_a_block_starts():
    shown = "First paragraph.\n\n"
    assert next_cut(shown, "Second paragraph.") == 0
    assert next_cut("First paragraph", " goes on.\n\n- a list") == len(" goes on.\n\n")
    assert next_cut("```\ncode\n", "more code\n\nstill code") is None  # inside a fence
    assert next_cut("First", " paragraph") is None  # the same paragraph
    assert next_cut("Para.\n\n", "```\ncode\n```") == 0


class _Pair(App[None]):
    """One Markdown widget of the text beside a chunked body of it, or a body to stream into."""

    CSS = "#whole { padding: 0; }"  # as the app styles a message body

    def __init__(self, text: str, *, stream: bool = False) -> None:
        super().__init__()
        self.text = text
        self.stream = stream

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(self.text, id="whole")
            yield MarkdownBody("" if self.stream else self.text, classes="chunked")


def _layout(widget: Markdown | MarkdownBody) -> list[tuple[str, int, int, str]]:
    """Every block: its kind, its row relative to the widget, its height and its text."""
    top = widget.region.y
    return [
        (type(block).__name__, block.region.y - top, block.region.height, str(block._content))
        for block in widget.query(MarkdownBlock)
        if not isinstance(block.parent, MarkdownBlock)
    ]


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(_markdown_body, "CHUNK_CHARS", 60)


async def test_a_chunked_body_is_laid_out_like_one_markdown_widget(small_chunks):
    app = _Pair(DOCUMENT)
    async with app.run_test(size=(80, 200)) as pilot:
        await pilot.pause()
        body = app.query_one(MarkdownBody)
        assert len(body.chunks) > 4
        assert body.source == DOCUMENT
        assert _layout(body) == _layout(app.query_one("#whole", Markdown))


async def test_a_streamed_body_ends_laid_out_like_one_markdown_widget(small_chunks):
    app = _Pair(DOCUMENT, stream=True)
    pieces = random.Random(5)
    async with app.run_test(size=(80, 200)) as pilot:
        body = app.query_one(MarkdownBody)
        await body.start_stream()
        start = 0
        while start < len(DOCUMENT):
            end = start + pieces.randint(1, 40)
            await body.write(DOCUMENT[start:end])
            if pieces.random() < 0.3:
                await body.settled()
            start = end
        await body.stop_stream()
        await pilot.pause()
        assert len(body.chunks) > 4
        assert body.source == DOCUMENT
        assert [chunk.source for chunk in body.chunks] != [DOCUMENT]
        assert _layout(body) == _layout(app.query_one("#whole", Markdown))


def _hold(conversation: VerticalScroll, *, top: bool) -> bool:
    """Scroll to the top or the end again, as a reader holding Home or End does; always True."""
    if top:
        conversation.release_anchor()
        conversation.scroll_home(animate=False)
    else:
        conversation.scroll_end(animate=False)
    return True


def _long_session(pairs: int, reply: str) -> Session:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    session = Session(id="20260101-000000-00aa", title="Long", created=when, updated=when)
    session.model = "m"
    for number in range(pairs):
        session.messages.append(Message("user", f"question {number}", created=when))
        session.messages.append(Message("assistant", f"{number}: {reply}", created=when, model="m"))
    return session


async def test_far_messages_hibernate_keeping_their_place_and_wake_when_scrolled_to(make_app):
    app = make_app(_long_session(40, "\n\n".join([PARAGRAPH] * 4)))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = chat(app)
        while screen._first_mounted:
            await screen.mount_earlier()
        conversation = screen.query_one("#conversation", VerticalScroll)
        views = list(screen.query(ReplyView))
        await wait_for(pilot, lambda: _hold(conversation, top=False) and views[0].hibernating)
        height = conversation.virtual_size.height
        sleeping = [view for view in views if view.hibernating]
        assert 0 < len(sleeping) < len(views) and not views[-1].hibernating
        assert not views[0].children  # its widgets are gone
        mounted = len(screen.query("*"))
        for view in sleeping:
            await view.wake()
        await pilot.pause()
        assert conversation.virtual_size.height == height  # a sleeping message kept its height
        assert len(screen.query("*")) > mounted
        await wait_for(
            pilot,
            lambda: (
                _hold(conversation, top=True) and views[-1].hibernating and not views[0].hibernating
            ),
        )
        assert views[0].body.source == views[0].message.content


async def test_chunks_of_a_long_reply_far_from_view_hibernate_and_wake(make_app):
    text = "\n\n".join(f"{number} {PARAGRAPH * 3}" for number in range(60))
    app = make_app(_long_session(1, text))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = chat(app)
        conversation = screen.query_one("#conversation", VerticalScroll)
        body = screen.query(ReplyView).last().body
        assert len(body.chunks) > 5
        await wait_for(
            pilot, lambda: _hold(conversation, top=False) and not body.chunks[0].children
        )
        height = conversation.virtual_size.height
        assert body.chunks[-1].children  # the end, on screen, is whole
        await wait_for(
            pilot,
            lambda: (
                _hold(conversation, top=True)
                and bool(body.chunks[0].children)
                and not body.chunks[-1].children
            ),
        )
        assert conversation.virtual_size.height == height
        assert body.source == screen.session.messages[-1].content


async def test_a_burst_is_rendered_at_its_end_and_the_rest_when_scrolled_to(make_app, loopback):
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
        assert "Paragraph 149." in screen_text(app)  # the end is on screen
        never_shown = [chunk for chunk in body.chunks if not chunk.source]
        assert never_shown and not never_shown[0].children  # the middle was never rendered
        conversation = chat(app).query_one("#conversation", VerticalScroll)
        await wait_for(
            pilot, lambda: _hold(conversation, top=True) and "Paragraph 000." in screen_text(app)
        )
        await wait_for(pilot, lambda: body.chunks[0].children)
        assert body.source == text
        # the reader's place is kept while what was never shown takes its true height
        conversation.scroll_to(y=conversation.max_scroll_y // 2, animate=False)
        await pilot.pause(0.3)
        shown = [line for line in screen_text(app).splitlines() if "Paragraph" in line]
        await pilot.pause(0.5)
        assert [line for line in screen_text(app).splitlines() if "Paragraph" in line] == shown
