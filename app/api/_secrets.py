"""Keep secrets out of text: the API key, key-shaped tokens and credentials in a URL.

A mask never shows the start of a secret (a prefix such as ``sk-or-v1-`` names the provider
and narrows the guess); a long one keeps its last four characters so that the user can tell
which key was meant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, unquote, urlsplit

from app.api._think import partial_prefix_length

# Keys shorter than this are masked whole: four characters of a short key give too much away.
SHOW_TAIL_FROM = 24
HIDDEN_USERINFO = "[credentials]"
# Things that look like API keys whoever issued them (OpenAI, OpenRouter, Hack Club: sk-…).
_TOKEN = re.compile(r"\bsk-[A-Za-z0-9][A-Za-z0-9_-]{7,}")
# The shortest start of a key held back in reply text (see StreamMask).
MIN_HOLD = 4
# The shortest URL password masked wherever it appears: shorter ones would mangle ordinary words.
_MIN_PASSWORD = 4


def mask(secret: str) -> str:
    """The stand-in for ``secret``: ``[key …1234]`` for a long one, else ``[key]``."""
    if len(secret) >= SHOW_TAIL_FROM:
        return f"[key …{secret[-4:]}]"
    return "[key]"


def redact(text: str, secret: str | None, *, others: Iterable[str] = ()) -> str:
    """``text`` with the API key, any ``others`` and anything that looks like a key masked."""
    for value in sorted(_secrets(secret, others), key=len, reverse=True):
        text = text.replace(value, mask(value))
    return _TOKEN.sub(lambda found: mask(found.group()), text)


def mask_secret(text: str, secret: str | None) -> str:
    """``text`` with exactly ``secret`` masked (reply text: key-shaped examples stay as sent)."""
    if not secret or secret not in text:
        return text
    return text.replace(secret, mask(secret))


def _secrets(secret: str | None, others: Iterable[str]) -> set[str]:
    values = {value.strip() for value in (secret or "", *others)}
    # A key may reach a message percent-encoded (as part of a URL or form body).
    values |= {quote(value, safe="") for value in values}
    return {value for value in values if value}


def url_secrets(url: str) -> list[str]:
    """The credentials in ``url`` (``user:pw@``), in the forms a message might repeat them."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    userinfo, at, _ = parts.netloc.rpartition("@")
    if not at or not userinfo:
        return []
    found = [userinfo, unquote(userinfo)]
    _, colon, password = userinfo.partition(":")
    if colon and len(unquote(password)) >= _MIN_PASSWORD:
        found += [password, unquote(password)]
    return found


def hide_userinfo(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``[credentials]@``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    authority_end = min((i for i in map(rest.find, "/?#") if i >= 0), default=len(rest))
    authority = rest[:authority_end]
    if "@" not in authority:
        return url
    host = authority.rpartition("@")[2]
    return f"{scheme}{sep}{HIDDEN_USERINFO}@{host}{rest[authority_end:]}"


class StreamMask:
    """Masks one secret in text that arrives in pieces, wherever the pieces cut it.

    ``feed`` holds back the end of a piece while it could be the start of the secret (at most
    ``len(secret) - 1`` characters), but only once that start is :data:`MIN_HOLD` characters
    long: a word ending in ``s`` must not wait for the next piece (or be lost when the reply
    is cancelled) because a key starts with ``s``. Should a key follow such a short start,
    the rest of it is masked all the same, after the one to three characters already shown.
    ``flush`` releases what is held at the end.
    """

    def __init__(self, secret: str) -> None:
        self._secret = secret
        self._mask = mask(secret)
        self._held = ""  # not released yet: a beginning of the secret
        self._shown = ""  # released, yet maybe the beginning of the secret

    def feed(self, text: str) -> str:
        """The part of the text so far that can be released now, with the secret masked."""
        secret = self._secret
        # most pieces hold neither the secret nor its first character near their end
        if (
            not self._held
            and not self._shown
            and text.find(secret[0], 1 - len(secret)) < 0
            and secret not in text
        ):
            return text
        buffer = self._shown + self._held + text
        released = len(self._shown)  # buffer[:released] is out already
        out: list[str] = []
        start = 0
        while (found := buffer.find(secret, start)) >= 0:
            out.append(buffer[released:found])  # empty when the secret began in the shown part
            out.append(self._mask)
            released = start = found + len(secret)
        partial = partial_prefix_length(buffer[start:], secret)
        held = min(partial, len(buffer) - released) if partial >= MIN_HOLD else 0
        cut = len(buffer) - held
        out.append(buffer[released:cut])
        self._held = buffer[cut:]
        self._shown = buffer[len(buffer) - partial : cut]
        return "".join(out)

    def flush(self) -> str:
        """Whatever is held back (it was not the secret after all)."""
        held, self._held, self._shown = self._held, "", ""
        return held
