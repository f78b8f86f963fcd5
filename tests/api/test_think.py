"""The <think> splitter: every cut of the text into deltas gives the same reasoning and answer."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.api import ThinkSplitter, split_think

# (text, reasoning, content) as a stream splits them.
SAMPLES = [
    (
        "<think>\nLet me think.\nOK.\n</think>\n\nThe answer is 42.",
        "Let me think.\nOK.",
        "The answer is 42.",
    ),
    ("  \n<think>Short</think>Answer", "Short", "Answer"),
    ("<think>\n\n</think>\n\nHello there!", "", "Hello there!"),
    ("Plain answer, no tags.\nSecond line.\n", "", "Plain answer, no tags.\nSecond line.\n"),
    ("Answer first. Then <think>x</think> text.", "", "Answer first. Then <think>x</think> text."),
    (
        "<think>a</think>\n\nUse `<think>` and\n</think> freely.",
        "a",
        "Use `<think>` and\n</think> freely.",
    ),
    ("Sure.\n\nUse `</think>` to close.", "", "Sure.\n\nUse `</think>` to close."),
    ("Example:\n<think>\n</think>\ndone", "", "Example:\n<think>\n</think>\ndone"),
    ("<think>héllo 🙂</think>wörld", "héllo 🙂", "wörld"),
    ("<think>still thinking when cut off", "still thinking when cut off", ""),
    ("\n\n  indented first line", "", "  indented first line"),
    ("<thin", "", "<thin"),
    ("<thinking>is not a tag</thinking>", "", "<thinking>is not a tag</thinking>"),
    ("   \n ", "", ""),
    ("</think>\n\nJust the answer.", "", "Just the answer."),
]


def run(pieces: list[str], **options: bool) -> tuple[str, str]:
    splitter = ThinkSplitter(**options)
    parts = [part for piece in pieces for part in splitter.feed(piece)] + splitter.flush()
    joined = {"reasoning": "", "content": ""}
    for kind, text in parts:
        if kind == "retract":
            # What the app does: the content shown so far was reasoning.
            assert not text, "a retract carries no text"
            joined["reasoning"] += joined["content"]
            joined["content"] = ""
            continue
        assert text, "empty parts are never released"
        joined[kind] += text
    return joined["reasoning"], joined["content"]


@pytest.mark.parametrize(("text", "expected_reasoning", "expected_content"), SAMPLES)
def test_every_single_split_position_gives_the_same_parts(
    text, expected_reasoning, expected_content
):
    for cut in range(len(text) + 1):
        assert run([text[:cut], text[cut:]]) == (expected_reasoning, expected_content), cut


@pytest.mark.parametrize(("text", "expected_reasoning", "expected_content"), SAMPLES)
def test_every_pair_of_split_positions_gives_the_same_parts(
    text, expected_reasoning, expected_content
):
    for first, second in itertools.combinations(range(len(text) + 1), 2):
        pieces = [text[:first], text[first:second], text[second:]]
        assert run(pieces) == (expected_reasoning, expected_content), (first, second)


@pytest.mark.parametrize(("text", "expected_reasoning", "expected_content"), SAMPLES)
def test_one_character_deltas_give_the_same_parts(text, expected_reasoning, expected_content):
    assert run(list(text)) == (expected_reasoning, expected_content)


FRAGMENTS = ["<think>", "</think>", "<", "</", "think", ">", "\n", "\n\n", " ", "a", "b", "`", "é"]


@given(
    text=st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=5),
)
def test_any_cut_of_any_tag_soup_matches_feeding_it_whole(text, cuts):
    points = sorted({min(c, len(text)) for c in cuts})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]
    assert run(pieces) == run([text])


def test_plain_content_is_released_at_once_without_waiting_for_a_tag():
    splitter = ThinkSplitter()
    assert splitter.feed("The beginning of a long answer") == [
        ("content", "The beginning of a long answer")
    ]


def test_reasoning_streams_before_the_closing_tag_arrives():
    splitter = ThinkSplitter()
    assert splitter.feed("<think>\nStep one, ") == [("reasoning", "Step one,")]
    assert splitter.feed("step two") == [("reasoning", " step two")]


def test_only_a_possible_tag_prefix_is_held_back():
    splitter = ThinkSplitter()
    assert splitter.feed("<think>abc</th") == [("reasoning", "abc")]
    assert splitter.feed("ink>\n\nHi") == [("content", "Hi")]


def test_a_leading_tag_prefix_waits_for_the_next_delta():
    splitter = ThinkSplitter()
    assert splitter.feed("  <thi") == []
    assert splitter.feed("nk>why") == [("reasoning", "why")]


def test_bare_closing_tag_in_a_stream_retracts_what_came_before_and_is_reported():
    splitter = ThinkSplitter()
    parts = splitter.feed("Okay, the user says hi.\n") + splitter.feed("</think>\n\nHello!")
    parts += splitter.flush()
    turn = parts.index(("retract", ""))
    assert "".join(text for _, text in parts[:turn]) == "Okay, the user says hi."
    assert parts[turn + 1 :] == [("content", "Hello!")]
    assert splitter.saw_untagged_reasoning


def test_bare_closing_tag_at_the_very_start_is_dropped_without_being_reported():
    splitter = ThinkSplitter()
    assert splitter.feed("</think>\n\nAnswer") == [("content", "Answer")]
    assert not splitter.saw_untagged_reasoning


def test_inline_closing_tag_is_text_and_is_not_reported():
    splitter = ThinkSplitter()
    splitter.feed("Close it with `</think>` like this.")
    assert not splitter.saw_untagged_reasoning


def test_reasoning_first_treats_text_before_a_bare_closing_tag_as_reasoning():
    text = "The user says hi.\nBe friendly.\n</think>\n\nHello!"
    for cut in range(len(text) + 1):
        pieces = [text[:cut], text[cut:]]
        assert run(pieces, reasoning_first=True) == ("The user says hi.\nBe friendly.", "Hello!")


def test_reasoning_first_still_accepts_an_explicit_opening_tag():
    assert run(["<think>x</think>y"], reasoning_first=True) == ("x", "y")


def test_closed_think_is_set_only_when_a_block_was_closed():
    closed, open_ = ThinkSplitter(), ThinkSplitter()
    closed.feed("<think>a</think>b")
    open_.feed("<think>a")
    assert closed.closed_think
    assert not open_.closed_think


def test_whole_reply_with_a_bare_closing_tag_splits_reasoning_from_answer():
    assert split_think("Okay, they said hi.\n</think>\n\nHello!") == (
        "Okay, they said hi.",
        "Hello!",
    )


@pytest.mark.parametrize(("text", "expected_reasoning", "expected_content"), SAMPLES)
def test_whole_reply_split_agrees_with_the_stream_when_no_bare_tag_follows_text(
    text, expected_reasoning, expected_content
):
    assert split_think(text) == (expected_reasoning, expected_content)
