"""The reply builder: what a reply holds at every moment of its stream, and its statistics."""

from __future__ import annotations

from app.store import STREAMING, Checkpoints, Message, ReplyBuilder
from app.store._reply import CHECKPOINT_EVERY, CHECKPOINT_SHARE


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def started(clock: Clock) -> ReplyBuilder:
    return ReplyBuilder(Message("assistant", "", model="m"), clock=clock)


def test_the_message_holds_the_text_from_the_first_delta_marked_incomplete():
    clock = Clock()
    builder = started(clock)
    assert builder.message.incomplete and builder.message.error == STREAMING
    clock.now += 0.5
    builder.add_reasoning("think ")
    builder.add_content("Hello")
    builder.add_content(" world")
    assert builder.message.content == "Hello world"
    assert builder.message.reasoning == "think "
    assert builder.message.incomplete and builder.message.error == STREAMING


def test_a_finished_reply_is_complete_with_its_statistics():
    clock = Clock()
    builder = started(clock)
    clock.now += 0.25
    builder.add_content("a")
    clock.now += 1.0
    builder.add_content("b")
    builder.finish("stop")
    builder.finish("length")  # a later finish_reason never replaces the first
    builder.usage({"prompt_tokens": 3, "completion_tokens": 20, "total_tokens": 23})
    message = builder.end()
    assert message.error is None and not message.incomplete
    assert message.finish_reason == "stop"
    assert message.ttft == 0.25
    assert message.tokens_per_second == 20.0  # the server's count over the time since the first
    assert builder.end() is message  # twice is harmless


def test_without_usage_the_speed_counts_deltas():
    clock = Clock()
    builder = started(clock)
    for _ in range(10):
        clock.now += 0.1
        builder.add_content("x")
    builder.finish("stop")
    assert builder.end().tokens_per_second == round(10 / 0.9, 1)


def test_the_first_cause_of_a_failure_wins():
    builder = started(Clock())
    builder.add_content("part")
    builder.fail("cancelled", cancelled=True)
    builder.fail("hcchat was closed while the reply streamed", cancelled=True)
    message = builder.end()
    assert message.error == "cancelled" and message.incomplete
    assert message.content == "part"


def test_a_cancel_after_the_finish_reason_keeps_the_reply_complete():
    builder = started(Clock())
    builder.add_content("all of it")
    builder.finish("stop")
    builder.fail("cancelled", cancelled=True)
    message = builder.end()
    assert message.error is None and not message.incomplete


def test_an_error_after_the_finish_reason_is_still_an_error():
    builder = started(Clock())
    builder.add_content("text")
    builder.finish("stop")
    builder.fail("The connection dropped")
    assert builder.end().error == "The connection dropped"


def test_an_empty_reply_is_a_failure_that_is_not_sent_back():
    builder = started(Clock())
    builder.finish("tool_calls")
    message = builder.end()
    assert message.error == "The model sent an empty reply (finish reason: tool_calls)."
    assert message.failed_empty and message.incomplete


def test_content_that_was_reasoning_moves_to_the_reasoning():
    builder = started(Clock())
    builder.add_content("I think")
    assert builder.content_was_reasoning() == "I think"
    builder.add_content("Answer")
    message = builder.end()
    assert (message.reasoning, message.content) == ("I think", "Answer")


def test_live_statistics():
    clock = Clock()
    builder = started(clock)
    clock.now += 3
    assert builder.waiting() == 3 and builder.rate() is None
    builder.add_content("a")
    clock.now += 1
    builder.add_content("b")
    assert builder.rate() == 2.0
    clock.now += 5
    assert builder.quiet() == 5


def test_checkpoints_wait_for_new_text_and_for_the_interval():
    clock = Clock()
    builder = started(clock)
    checkpoints = Checkpoints(clock=clock)
    saves: list[str] = []
    builder.add_content("a")
    assert not checkpoints.due(builder)
    clock.now += CHECKPOINT_EVERY
    assert checkpoints.due(builder)
    checkpoints.saving(builder, lambda: saves.append(builder.message.content))
    clock.now += CHECKPOINT_EVERY * 5
    assert not checkpoints.due(builder)  # nothing new to write
    builder.add_content("b")
    assert checkpoints.due(builder)
    assert saves == ["a"]


def test_checkpoints_back_off_when_saving_is_slow():
    clock = Clock()
    builder = started(clock)
    checkpoints = Checkpoints(clock=clock)
    builder.add_content("a")
    clock.now += CHECKPOINT_EVERY

    def slow_save() -> None:
        clock.now += 1.0  # a save that takes a second

    checkpoints.saving(builder, slow_save)
    builder.add_content("b")
    clock.now += CHECKPOINT_EVERY * 2
    assert not checkpoints.due(builder)  # saving may take at most a small share of the time
    clock.now += 20
    assert checkpoints.due(builder)


def test_no_checkpoint_is_due_while_one_is_being_written():
    clock = Clock()
    builder = started(clock)
    checkpoints = Checkpoints(clock=clock)
    builder.add_content("a")
    clock.now += CHECKPOINT_EVERY
    checkpoints.started(builder)  # written in a thread
    builder.add_content("b")
    clock.now += CHECKPOINT_EVERY * 3
    assert checkpoints.writing and not checkpoints.due(builder)
    checkpoints.finished()  # a write of 6 s: the next waits 6 / CHECKPOINT_SHARE seconds
    assert not checkpoints.writing
    assert not checkpoints.due(builder)  # the interval starts again when the write ends
    clock.now += CHECKPOINT_EVERY * 3 / CHECKPOINT_SHARE
    assert checkpoints.due(builder)  # "b" was not in that checkpoint
