"""Split ``<think>…</think>`` reasoning out of reply text, streamed or whole.

Some servers (Qwen3 through Cerebras or OVH, llama.cpp, vLLM without a reasoning parser) put the
model's reasoning inside ``content`` between ``<think>`` and ``</think>`` instead of sending it as
``delta.reasoning``. :class:`ThinkSplitter` turns such text back into reasoning and content
parts, wherever the deltas cut the tags. The rules:

* Blank lines before anything else are dropped.
* A reply that opens with ``<think>`` (after optional whitespace) is reasoning up to
  ``</think>``. Only what could be the start of a tag, and trailing whitespace, is held back.
* After ``</think>`` the answer's leading blank lines are dropped (``<think>\\n\\n</think>\\n\\n``
  is the empty block Qwen3 sends with thinking off).
* Some chat templates put ``<think>`` into the prompt, so the model emits only ``</think>``.
  Such a *bare* closing tag is recognised when no ``<think>`` came before it and it starts a
  line (an answer that merely mentions the tag, as in `` `</think>` ``, does not match).
  Content is never held back waiting for it, because holding every answer back would stop
  replies from streaming and lose the held text when a reply is cancelled. So while streaming,
  the text before a bare tag has already been shown as content: the tag becomes a ``retract``
  part (the caller moves what it showed as content into the reasoning) and
  :attr:`ThinkSplitter.saw_untagged_reasoning` is set, so that the caller can create
  the next splitter for that model with ``reasoning_first=True`` (the reply then starts as
  reasoning). For a whole reply (``hold_untagged=True``, :func:`split_think`) the text before
  a bare tag is reasoning.
* Once the answer has started, ``<think>`` is just text: a reply may talk about the tags.
"""

from __future__ import annotations

from enum import Enum, auto
from typing import Literal

# "retract": everything emitted as content so far was reasoning (a bare </think> came).
Kind = Literal["content", "reasoning", "retract"]
Part = tuple[Kind, str]

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"


class _State(Enum):
    START = auto()  # nothing but whitespace yet
    THINK = auto()  # inside a <think> block (or reasoning whose opening tag was in the prompt)
    UNTAGGED = auto()  # an answer without <think>: still watching for a bare </think>
    AFTER_THINK = auto()  # right after </think>: skipping the answer's leading blank lines
    ANSWER = auto()  # the answer: everything is content


class ThinkSplitter:
    """A streaming splitter of ``<think>`` blocks: feed it content deltas, get typed parts back.

    ``reasoning_first``: the model is known to omit the opening tag, so the reply starts as
    reasoning. ``hold_untagged``: hold untagged text until the end or a bare ``</think>``
    (right for a whole reply, wrong for a stream).
    """

    def __init__(self, *, reasoning_first: bool = False, hold_untagged: bool = False) -> None:
        self._reasoning_first = reasoning_first
        self._hold_untagged = hold_untagged
        self._state = _State.START
        self._buffer = ""
        self._reasoning_started = False
        self._content_started = False
        self.saw_untagged_reasoning = False
        self.closed_think = False

    def feed(self, text: str) -> list[Part]:
        """Take the next piece of content; return the parts that can be released now."""
        self._buffer += text
        return self._run(final=False)

    def flush(self) -> list[Part]:
        """Release everything held back (at the end of the stream or of a reply)."""
        return self._run(final=True)

    def _run(self, *, final: bool) -> list[Part]:
        parts: list[Part] = []
        while self._step(parts, final=final):
            pass
        return _merge(parts)

    def _step(self, parts: list[Part], *, final: bool) -> bool:
        """Advance the state machine once; True when it should run again."""
        match self._state:
            case _State.START:
                return self._step_start(final=final)
            case _State.THINK:
                return self._step_think(parts, final=final)
            case _State.UNTAGGED:
                return self._step_untagged(parts, final=final)
            case _State.AFTER_THINK:
                return self._step_after_think(final=final)
            case _State.ANSWER:
                self._emit_content(parts, self._buffer)
                self._buffer = ""
                return False

    def _step_start(self, *, final: bool) -> bool:
        stripped = self._buffer.lstrip()
        if not stripped:
            if final:
                self._buffer = ""
            return False
        if stripped.startswith(OPEN_TAG):
            self._buffer = stripped[len(OPEN_TAG) :]
            self._state = _State.THINK
            return True
        if OPEN_TAG.startswith(stripped) and not final:
            return False
        if self._reasoning_first:
            self._buffer = stripped
            self._state = _State.THINK
        else:
            self._buffer = _drop_leading_blank_lines(self._buffer)
            self._state = _State.UNTAGGED
        return True

    def _step_think(self, parts: list[Part], *, final: bool) -> bool:
        end = self._buffer.find(CLOSE_TAG)
        if end >= 0:
            self._emit_reasoning(parts, self._buffer[:end].rstrip())
            self._buffer = self._buffer[end + len(CLOSE_TAG) :]
            self.closed_think = True
            self._state = _State.AFTER_THINK
            return True
        if final:
            self._emit_reasoning(parts, self._buffer.rstrip())
            self._buffer = ""
            return False
        ready = self._buffer[: _releasable(self._buffer, CLOSE_TAG)]
        self._emit_reasoning(parts, ready)
        self._buffer = self._buffer[len(ready) :]
        return False

    def _step_untagged(self, parts: list[Part], *, final: bool) -> bool:
        end = _bare_close(self._buffer, at_reply_start=not self._content_started)
        opening = self._buffer.find(OPEN_TAG)
        if opening >= 0 and (end < 0 or opening < end):
            self._state = _State.ANSWER  # the answer talks about the tags
            return True
        if end >= 0:
            before = self._buffer[:end].strip()
            if self._hold_untagged:
                self._emit_reasoning(parts, before)
            elif before or self._content_started:
                self._emit_content(parts, self._buffer[:end].rstrip())
                parts.append(("retract", ""))
                self.saw_untagged_reasoning = True
            self._buffer = self._buffer[end + len(CLOSE_TAG) :]
            self._state = _State.AFTER_THINK
            return True
        if final:
            self._state = _State.ANSWER
            return True
        if not self._hold_untagged:
            ready = self._buffer[: _releasable(self._buffer, CLOSE_TAG, OPEN_TAG)]
            self._emit_content(parts, ready)
            self._buffer = self._buffer[len(ready) :]
        return False

    def _step_after_think(self, *, final: bool) -> bool:
        if not self._buffer.strip():
            if final:
                self._buffer = ""
            return False
        self._buffer = _drop_leading_blank_lines(self._buffer)
        self._state = _State.ANSWER
        return True

    def _emit_reasoning(self, parts: list[Part], text: str) -> None:
        if not self._reasoning_started:
            text = text.lstrip()
        if text:
            self._reasoning_started = True
            parts.append(("reasoning", text))

    def _emit_content(self, parts: list[Part], text: str) -> None:
        if text:
            self._content_started = True
            parts.append(("content", text))


def _releasable(text: str, *tags: str) -> int:
    """How much of ``text`` can be released: all but a partial tag and the whitespace before it."""
    held = max(partial_prefix_length(text, tag) for tag in tags)
    end = len(text) - held
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def partial_prefix_length(text: str, tag: str) -> int:
    """Length of the longest end of ``text`` that is a proper beginning of ``tag`` (what a
    stream must hold back in case the next piece completes ``tag``)."""
    tail = text[-(len(tag) - 1) :] if len(tag) > 1 else ""
    # only an end that starts with the tag's first character can be one (most ends have none)
    start = tail.find(tag[0])
    while start >= 0:
        if tag.startswith(tail[start:]):
            return len(tail) - start
        start = tail.find(tag[0], start + 1)
    return 0


def _bare_close(text: str, *, at_reply_start: bool) -> int:
    """Index of the first ``</think>`` in ``text`` that starts a line, or -1.

    ``text`` follows released content that ended in a non-space character, so a tag before the
    first line break of ``text`` starts a line only at the very start of the reply.
    """
    index = text.find(CLOSE_TAG)
    while index >= 0:
        line_start = text.rfind("\n", 0, index) + 1
        if not text[line_start:index].strip() and (line_start > 0 or at_reply_start):
            return index
        index = text.find(CLOSE_TAG, index + 1)
    return -1


def _drop_leading_blank_lines(text: str) -> str:
    """``text`` without the whitespace-only lines at its start (the first line keeps its indent)."""
    stripped = text.lstrip()
    lead = text[: len(text) - len(stripped)]
    return lead[lead.rfind("\n") + 1 :] + stripped


def _merge(parts: list[Part]) -> list[Part]:
    merged: list[Part] = []
    for kind, text in parts:
        if merged and merged[-1][0] == kind:
            merged[-1] = (kind, merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return merged


def split_think(text: str, *, reasoning_first: bool = False) -> tuple[str, str]:
    """Split a whole reply into ``(reasoning, content)``."""
    splitter = ThinkSplitter(reasoning_first=reasoning_first, hold_untagged=True)
    parts = splitter.feed(text) + splitter.flush()
    reasoning = "".join(t for kind, t in parts if kind == "reasoning")
    content = "".join(t for kind, t in parts if kind == "content")
    return reasoning, content
