"""redact() keeps keys out of messages, logs and saved errors."""

from __future__ import annotations

from app.api import redact

KEY = "sk-hc-v1-5f2c9a7e1b3d4f6a8c0e2b4d6f8a1c3e"


def test_the_key_is_replaced_by_its_last_four_characters():
    text = f"Incorrect API key provided: {KEY}. Check Bearer {KEY}"
    redacted = redact(text, KEY)
    assert KEY not in redacted
    assert redacted == "Incorrect API key provided: sk-…1c3e. Check Bearer sk-…1c3e"


def test_other_key_shaped_tokens_are_replaced_too():
    text = "keys sk-or-v1-abcdef0123456789 and sk-proj-ABCDEFGH12345678 and sk-hc-v1-zz99"
    redacted = redact(text, None)
    assert redacted == "keys sk-…6789 and sk-…5678 and [redacted]"


def test_a_key_that_does_not_look_like_sk_is_fully_hidden():
    assert redact("token=abcdef123456 failed", "abcdef123456") == "token=[redacted] failed"


def test_ordinary_text_is_left_alone():
    text = "Use scikit-learn, ask-me-anything and a sk- prefix in prose."
    assert redact(text, "") == text
    assert redact(text, None) == text


def test_surrounding_whitespace_of_the_configured_key_is_ignored():
    assert KEY not in redact(f"oops {KEY}", f"  {KEY}\n")
