"""redact() keeps keys out of messages, logs and saved errors, whatever the key looks like."""

from __future__ import annotations

import re

import pytest

from app.api import redact
from app.api._secrets import StreamMask, hide_userinfo, url_secrets

KEY = "sk-hc-v1-5f2c9a7e1b3d4f6a8c0e2b4d6f8a1c3e"


def test_the_key_is_replaced_by_a_mask_showing_only_its_last_four_characters():
    text = f"Incorrect API key provided: {KEY}. Check Bearer {KEY}"
    redacted = redact(text, KEY)
    assert redacted == "Incorrect API key provided: [key …1c3e]. Check Bearer [key …1c3e]"


@pytest.mark.parametrize(
    "key",
    [
        "hc_live_0123456789abcdefghijklmnopqrstuv",  # no sk- prefix, long
        "0123456789abcdefghijklmnopqrstuvwxyzABCD",  # nothing key-like about it
        "abcdef123456",  # short
        "sk-short",
    ],
)
def test_any_key_is_masked_anywhere_without_showing_its_start(key: str):
    for text in (key, f"x{key}y", f"at the end: {key}", f"{key} at the start", f"a={key}&b"):
        redacted = redact(text, key)
        assert key not in redacted
        assert key[:4] not in redacted.replace("[key", "")
    expected = f"[key …{key[-4:]}]" if len(key) >= 24 else "[key]"
    assert redact(f"token={key} failed", key) == f"token={expected} failed"


def test_a_percent_encoded_key_is_masked_too():
    key = "abc/def+ghi=jkl&mno0123456789"
    assert "abc%2Fdef" not in redact("key=abc%2Fdef%2Bghi%3Djkl%26mno0123456789", key)


def test_other_key_shaped_tokens_are_replaced_too():
    text = "keys sk-or-v1-abcdef0123456789abcdefgh and sk-proj-ABCDEFGH12345678 and sk-hc-v1-zz99"
    redacted = redact(text, None)
    assert redacted == "keys [key …efgh] and [key …5678] and [key]"


def test_ordinary_text_is_left_alone():
    text = "Use scikit-learn, ask-me-anything and a sk- prefix in prose."
    assert redact(text, "") == text
    assert redact(text, None) == text


def test_surrounding_whitespace_of_the_configured_key_is_ignored():
    assert KEY not in redact(f"oops {KEY}", f"  {KEY}\n")


def test_url_credentials_are_hidden_and_listed_as_secrets():
    url = "http://alice:s3cr%3At@proxy.example:8080/v1"
    assert hide_userinfo(url) == "http://[credentials]@proxy.example:8080/v1"
    assert hide_userinfo("http://host/v1?next=a@b") == "http://host/v1?next=a@b"
    found = url_secrets(url)
    assert "alice:s3cr%3At" in found and "s3cr:t" in found
    assert "s3cr:t" not in redact("login as alice with s3cr:t refused", None, others=found)
    assert url_secrets("http://host/v1") == []


def pieces_masked(secret: str, pieces: list[str]) -> str:
    stream = StreamMask(secret)
    return "".join(stream.feed(piece) for piece in pieces) + stream.flush()


def test_a_key_split_across_pieces_is_masked_and_other_text_kept_exactly():
    text = f"your key is {KEY}, and again {KEY}."
    masked = text.replace(KEY, "[key …1c3e]")
    for cut in range(1, len(text)):
        for more in range(cut + 1, len(text), 7):
            pieces = [text[:cut], text[cut:more], text[more:]]
            result = pieces_masked(KEY, pieces)
            # a piece ending in the key's first one to three characters is not held back
            assert re.sub(r"(?:sk-|sk|s)\[key", "[key", result) == masked, pieces
            assert KEY[:4] not in result
    near = "sk-hc-v1-5f2c9a7e then something else"
    assert pieces_masked(KEY, [near[:12], near[12:]]) == near


def test_a_stream_mask_holds_back_only_a_real_start_of_the_key():
    stream = StreamMask(KEY)
    assert stream.feed("hello ") == "hello "
    assert stream.feed("it works") == "it works"  # "s" could start the key: not held
    assert stream.feed(" " + KEY[:-1]) == " "  # at most one less than the key is held
    assert stream.feed("!") == KEY[:-1] + "!"
    assert stream.feed(f"and {KEY[:6]}") == "and "
    assert stream.flush() == KEY[:6]
