"""stream_chat against servers that stall, flood, bomb, mislabel or echo the key (issue 17)."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from loopback import chunk, drop, error, generated, keepalives, reply, sse

from app.api import (
    BadRequestError,
    ChatClient,
    ProtocolError,
    ReasoningDelta,
    StreamInterrupted,
    TimeoutError,
)
from app.api._sse import MAX_COUNT, parse_usage

from .conftest import (
    KEY,
    collect,
    collect_until_error,
    content,
    finishes,
    reasoning,
    socket_transport,
)

STALL = 0.3


@pytest.fixture
async def tight(loopback) -> AsyncIterator[ChatClient]:
    """A client with a short stall timeout and small caps (1 MB an event, 2 MB a reply)."""
    async with ChatClient(
        loopback.base_url,
        KEY,
        transport=socket_transport(),
        backoff=0.001,
        read_timeout=5.0,
        stall_timeout=STALL,
        max_event_chars=1024 * 1024,
        max_reply_chars=2 * 1024 * 1024,
    ) as chat:
        yield chat


def event(payload: str) -> bytes:
    return f"data: {payload}\n\n".encode()


# ------------------------------------------------------------------------- hangs


@pytest.mark.parametrize("keepalive", [": OPENROUTER PROCESSING", ""])
async def test_a_stream_of_only_keepalives_is_given_up_after_the_stall_timeout(
    loopback, tight, keepalive
):
    loopback.enqueue(keepalives([chunk("", role=True), chunk("Hel")], seconds=5, comment=keepalive))
    started = time.monotonic()
    events, failure = await collect_until_error(tight)
    elapsed = time.monotonic() - started
    assert isinstance(failure, TimeoutError)
    assert failure.message == "No text from the server for 0.3 s (only keep-alive messages)."
    assert content(events) == "Hel"
    assert STALL <= elapsed < 2.5
    await loopback.wait_until_requests(1)


async def test_a_slow_but_steady_reply_is_not_a_stall(loopback, tight):
    loopback.enqueue(reply("slow and steady wins", chunk_size=4, delay=STALL / 4))
    events = await collect(tight)
    assert content(events) == "slow and steady wins"
    assert finishes(events) == ["stop"]


async def test_text_restarts_the_stall_clock_and_keepalives_do_not_stop_it(loopback, tight):
    filler = [": OPENROUTER PROCESSING"] * 2
    events = [part for letter in "abcde" for part in (chunk(letter), *filler)]
    loopback.enqueue(sse([*events, chunk(finish="stop"), "[DONE]"], delay=STALL / 8))
    assert content(await collect(tight)) == "abcde"  # 5 x 3 x STALL/8 > STALL in all


# ------------------------------------------------------------------------- memory


async def test_an_event_over_the_cap_fails_the_reply_and_keeps_what_came_before(loopback, tight):
    big = chunk("x" * (1024 * 1024 + 10))
    loopback.enqueue(sse([chunk("before "), big, chunk(finish="stop")]))
    events, failure = await collect_until_error(tight)
    assert isinstance(failure, ProtocolError)
    assert "larger than 1 MB" in failure.message
    assert content(events) == "before "


async def test_a_huge_line_without_a_newline_is_not_buffered_whole(loopback, tight):
    sent: list[int] = []
    piece = b"x" * 65536

    def parts() -> Iterator[bytes]:
        yield event(chunk("start"))
        yield b"data: "
        for _ in range(400 * 16):  # 400 MB, never a newline
            sent.append(len(piece))
            yield piece

    loopback.enqueue(generated(parts))
    events, failure = await collect_until_error(tight)
    assert isinstance(failure, ProtocolError) and "larger than 1 MB" in failure.message
    assert content(events) == "start"
    assert sum(sent) < 32 * 1024 * 1024  # socket buffers, not the 400 MB line


async def test_a_reply_over_the_cap_keeps_the_text_below_it(loopback, tight):
    piece = "y" * 1000
    loopback.enqueue(reply(piece * 3000, chunk_size=1000))
    events, failure = await collect_until_error(tight)
    assert isinstance(failure, StreamInterrupted)
    assert "larger than 2 MB" in failure.message
    assert content(events) == piece * (2 * 1024 * 1024 // 1000)


@pytest.mark.parametrize(
    ("body", "cap"),
    [
        (b"data: " + b"0" * (50 * 1024 * 1024), "1 MB"),  # one line
        (event(chunk("z" * 4000)) * 12_000, "2 MB"),  # 48 MB of ordinary events
    ],
    ids=["one-line", "many-events"],
)
async def test_a_gzip_bomb_hits_the_same_caps(loopback, tight, body, cap):
    bomb = gzip.compress(body, compresslevel=9)
    assert len(bomb) < len(body) // 100
    parts = [bomb[i : i + 16384] for i in range(0, len(bomb), 16384)]
    loopback.enqueue(generated(lambda: parts, headers={"Content-Encoding": "gzip"}))
    _events, failure = await collect_until_error(tight)
    assert f"larger than {cap}" in failure.message


async def test_an_oversized_error_body_is_cut_not_read_whole(loopback, tight):
    loopback.enqueue(error(400, "bad model " + "!" * (3 * 1024 * 1024), "text/plain"))
    _events, failure = await collect_until_error(tight)
    assert isinstance(failure, BadRequestError) and "bad model" in failure.message


async def test_an_oversized_whole_reply_is_refused(loopback, tight):
    text = "w" * (3 * 1024 * 1024)
    loopback.enqueue(reply(text))
    with pytest.raises(ProtocolError, match="larger than 2 MB"):
        await tight.complete("m", [{"role": "user", "content": "hi"}])


# ------------------------------------------------------------------------- text kept exactly


async def test_a_stream_labelled_latin_1_is_decoded_by_its_charset(loopback, client):
    text = "café, naïve, £5 ±1"
    payload = json.dumps(json.loads(chunk(text)), ensure_ascii=False)
    body = [event(payload).decode().encode("iso-8859-1"), event(chunk(finish="stop"))]
    headers = {"Content-Type": "text/event-stream; charset=iso-8859-1"}
    loopback.enqueue(generated(lambda: body, headers=headers))
    events = await collect(client)
    assert content(events) == text and finishes(events) == ["stop"]


async def test_a_byte_order_mark_before_the_first_event_loses_nothing(loopback, client):
    body = [b"\xef\xbb\xbf" + event(chunk("first ")), event(chunk("second")), event("[DONE]")]
    loopback.enqueue(generated(lambda: body))
    assert content(await collect(client, model="m")) == "first second"


async def test_a_last_event_without_its_blank_line_is_still_read(loopback, client):
    body = [event(chunk("all of it")), event(chunk(finish="stop")), b"data: [DONE]"]
    loopback.enqueue(generated(lambda: body))
    events = await collect(client)
    assert content(events) == "all of it" and finishes(events) == ["stop"]


async def test_cr_and_crlf_line_ends_split_anywhere_are_read(loopback, client):
    text = b"data: " + chunk("one").encode() + b"\r\r" + b"data: " + chunk("two").encode()
    text += b"\r\n\r\ndata: [DONE]\r\n\r\n"
    loopback.enqueue(generated(lambda: [text[i : i + 1] for i in range(len(text))]))
    assert content(await collect(client)) == "onetwo"


async def test_an_unclosed_think_block_is_released_as_reasoning_at_the_end(loopback, client):
    loopback.enqueue(sse([chunk("<think>"), chunk("still pondering\n"), chunk(finish="stop")]))
    events = await collect(client)
    assert reasoning(events) == "still pondering" and content(events) == ""
    assert finishes(events) == ["stop"]


async def test_an_unclosed_think_block_survives_a_dropped_connection(loopback, client):
    loopback.enqueue(drop([chunk("<think>deep thought "), chunk("and a partial </thi")]))
    events, failure = await collect_until_error(client)
    assert isinstance(failure, StreamInterrupted)
    assert reasoning(events) == "deep thought and a partial </thi"


async def test_an_unclosed_think_block_survives_a_stall(loopback, tight):
    loopback.enqueue(keepalives([chunk("<think>half a thought  ")], seconds=5))
    events, failure = await collect_until_error(tight)
    assert isinstance(failure, TimeoutError)
    assert reasoning(events) == "half a thought"


# ------------------------------------------------------------------------- secrets


async def test_a_key_echoed_in_the_reply_is_masked_even_split_across_deltas(loopback, client):
    loopback.enqueue(
        sse(
            [
                chunk("", role=True),
                chunk("", reasoning=f"they sent {KEY[:7]}"),
                chunk("", reasoning=f"{KEY[7:]} to me"),
                chunk(f"Your key: {KEY[:20]}"),
                chunk(f"{KEY[20:]}. Again: {KEY}"),
                chunk(finish="stop"),
                "[DONE]",
            ]
        )
    )
    events = await collect(client)
    masked = f"[key …{KEY[-4:]}]"
    assert reasoning(events) == f"they sent {masked} to me"
    assert content(events) == f"Your key: {masked}. Again: {masked}"
    assert all(KEY[:9] not in getattr(e, "text", "") for e in events)


async def test_a_key_split_at_the_end_of_a_cut_stream_is_still_masked(loopback, client):
    loopback.enqueue(drop([chunk(f"leak {KEY[:10]}"), chunk(KEY[10:])]))
    events, _failure = await collect_until_error(client)
    assert content(events) == f"leak [key …{KEY[-4:]}]"


async def test_a_key_echoed_in_a_whole_reply_is_masked(loopback, client):
    loopback.enqueue(reply(f"the key is {KEY}", reasoning=f"I saw {KEY}"))
    completion = await client.complete("m", [{"role": "user", "content": "hi"}])
    assert KEY not in completion.content and KEY not in completion.reasoning
    assert completion.content == f"the key is [key …{KEY[-4:]}]"


async def test_credentials_in_the_base_url_never_reach_an_error_message(loopback):
    port = loopback.base_url.split(":")[2].split("/")[0]
    url = f"http://alice:hunter2secret@127.0.0.1:{port}/v1"
    loopback.enqueue(error(404, "no route for alice:hunter2secret or hunter2secret", "text/plain"))
    async with ChatClient(url, KEY, transport=socket_transport(), max_tries=1) as chat:
        _events, failure = await collect_until_error(chat)
    assert "hunter2secret" not in str(failure) and "alice:" not in str(failure)


# ------------------------------------------------------------------------- clear words


async def test_408_is_a_timeout_and_is_retried(loopback, client):
    loopback.enqueue(error(408, "Request Timeout", "text/plain"), reply("second try"))
    assert content(await collect(client)) == "second try"
    loopback.enqueue(*[error(408, "Request Timeout", "text/plain")] * 3)
    _events, failure = await collect_until_error(client)
    assert isinstance(failure, TimeoutError) and failure.status == 408
    assert len(loopback.requests) == 5


async def test_a_base_url_ending_in_chat_completions_gets_a_hint(loopback):
    url = f"{loopback.base_url}/chat/completions"
    loopback.enqueue(error(404, json.dumps({"error": {"message": "Not found"}})))
    loopback.enqueue_models(error(404, json.dumps({"error": "Not found"})))
    async with ChatClient(url, KEY, transport=socket_transport()) as chat:
        _events, failure = await collect_until_error(chat)
        with pytest.raises(BadRequestError) as models_failure:
            await chat.list_models()
    for message in (failure.message, models_failure.value.message):
        assert "the base URL should end before /chat/completions" in message
    assert loopback.requests[0].path == "/v1/chat/completions/chat/completions"


@pytest.mark.parametrize("count", [-1, 2**63, 2**64 + 5, 10**30])
def test_usage_counts_beyond_64_bits_or_negative_are_dropped(count):
    usage = parse_usage({"prompt_tokens": count, "completion_tokens": 5})
    assert usage is not None and usage.prompt_tokens == 0 and usage.completion_tokens == 5
    assert parse_usage({"prompt_tokens": count}) is None
    big = parse_usage({"prompt_tokens": MAX_COUNT, "completion_tokens": MAX_COUNT})
    assert big is not None and big.total_tokens == MAX_COUNT


async def test_reasoning_events_are_masked_before_the_think_splitter(loopback, client):
    loopback.enqueue(sse([chunk(f"<think>{KEY}</think>answer"), chunk(finish="stop")]))
    events = await collect(client)
    assert [e.text for e in events if isinstance(e, ReasoningDelta)] == [f"[key …{KEY[-4:]}]"]
    assert content(events) == "answer"
