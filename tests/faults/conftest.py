"""Fault injection: the real app and CLI against the loopback server, and helpers to judge them.

Every fault test checks three things: what the user is told, that the next message to a healthy
endpoint still works, and that the session file holds everything typed and received.
"""

from __future__ import annotations

import socket
import ssl
import threading
import tomllib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from pilot import (
    chat,
    notifications,
    received,
    screen_text,
    send,
    send_and_wait,
    told,
    wait_for,
)
from textual.pilot import Pilot

from app.api import ChatClient
from app.config import Settings
from app.store import Session, SessionStore
from app.ui._app import HCChatApp

SECRET = "sk-hc-v1-faultsuitesecret0123456789"
MODEL = "test/model-a"
READ_TIMEOUT = 0.4
CONNECT_TIMEOUT = 1.0  # a loopback server on a loaded machine can take over 0.3 s to accept


@cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


class Reroute(httpx.AsyncBaseTransport):
    """Real sockets; while ``healed``, every request goes to the loopback server instead.

    The app's base URL names the faulty endpoint (so messages name it); healing it stands for
    "the endpoint came back" without restarting the app.
    """

    def __init__(self, healthy_base_url: str) -> None:
        self.healed = False
        self._healthy = urlsplit(healthy_base_url)
        self._inner = httpx.AsyncHTTPTransport(verify=_tls_context())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.healed:
            assert self._healthy.hostname is not None
            request.url = request.url.copy_with(
                scheme=self._healthy.scheme,
                host=self._healthy.hostname,
                port=self._healthy.port,
            )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.fixture
def settings(loopback, tmp_path: Path) -> Settings:
    """Settings pointing at the loopback server, with isolated folders and a recognisable key."""
    return Settings(
        api_key=SECRET,
        base_url=loopback.base_url,
        model=MODEL,
        theme=None,
        system_prompt=None,
        keys={},
        params={},
        config_path=tmp_path / "config" / "config.toml",
        sessions_dir=tmp_path / "sessions",
        cache_dir=tmp_path / "cache",
        demo=False,
    )


@pytest.fixture
def store(settings: Settings) -> SessionStore:
    """A store on the sessions folder the app under test uses (for reading results)."""
    return SessionStore(settings.sessions_dir)


@pytest.fixture
def make_app(settings: Settings, loopback) -> Callable[..., HCChatApp]:
    """The app under test, with a client whose timeouts and retry waits are short.

    ``base_url`` points the client at a faulty endpoint, usually with the :func:`reroute`
    transport so the test can bring the endpoint back; ``store`` is the store that loaded
    ``session`` (as the command line does for ``--session``).
    """

    def make(
        session: Session | None = None,
        *,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        store: SessionStore | None = None,
        read_timeout: float = READ_TIMEOUT,
        **changes: Any,
    ) -> HCChatApp:
        chosen = replace(settings, **changes)
        client = ChatClient(
            base_url or chosen.base_url,
            chosen.api_key,
            transport=transport or httpx.AsyncHTTPTransport(verify=_tls_context()),
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=read_timeout,
            backoff=0.01,
            max_retry_wait=5.0,
        )
        return HCChatApp(chosen, session=session, client=client, store=store)

    return make


# --------------------------------------------------------------------------- driving the app


async def still_works(pilot: Pilot[Any], text: str = "are you still there") -> None:
    """The next message to a healthy endpoint gets its whole reply."""
    app = pilot.app
    assert isinstance(app, HCChatApp)
    await send_and_wait(pilot, text)
    last = app.chat.session.messages[-1]
    assert last.content == f"Echo from {app.chat.session.model}: {text}"
    assert not last.incomplete and last.error is None


# --------------------------------------------------------------------------- the command line


@dataclass(frozen=True)
class CliRun:
    """What one ``hcchat`` command did: exit code, standard output, standard error."""

    code: int
    out: str
    err: str

    @property
    def error_line(self) -> str:
        """The single ``hcchat: ...`` line a failure prints; fails on anything more."""
        lines = self.err.splitlines()
        assert len(lines) == 1, self.err
        assert lines[0].startswith("hcchat: "), self.err
        return lines[0]


@pytest.fixture
def cli_sessions(isolated_env: Path) -> SessionStore:
    """The store on the sessions folder the command line uses (the isolated XDG data home)."""
    return SessionStore(isolated_env / ".local" / "share" / "hcchat" / "sessions")


@pytest.fixture
def hcchat(
    monkeypatch: pytest.MonkeyPatch, loopback, capsys: pytest.CaptureFixture[str]
) -> Callable[..., CliRun]:
    """Run ``hcchat ARGS`` in-process against the loopback server, key in HCCHAT_API_KEY.

    The full-screen app is replaced by a stub (recorded in ``hcchat.started``); pipe mode's
    client (``app.cli._pipe.make_client``, the seam) gets the suite's short timeouts and retry
    waits.
    """
    import app.cli
    import app.cli._pipe
    import app.ui
    from app.api import make_client

    monkeypatch.setenv("HCCHAT_API_KEY", SECRET)
    monkeypatch.setenv("HCCHAT_BASE_URL", loopback.base_url)
    started: list[tuple[Settings, str | None, bool]] = []

    def fake_run_app(
        settings: Settings, *, session_id: str | None = None, resume_latest: bool = False
    ) -> int:
        started.append((settings, session_id, resume_latest))
        return 0

    def fast_client(base_url: str, api_key: str | None, *, demo: bool = False) -> ChatClient:
        return make_client(
            base_url,
            api_key,
            demo=demo,
            transport=None if demo else httpx.AsyncHTTPTransport(verify=_tls_context()),
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
            backoff=0.01,
            max_retry_wait=5.0,
        )

    monkeypatch.setattr(app.ui, "run_app", fake_run_app)
    monkeypatch.setattr(app.cli._pipe, "make_client", fast_client)

    def run(*arguments: str) -> CliRun:
        capsys.readouterr()
        code = app.cli.main(list(arguments))
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return CliRun(code, out, err)

    run.started = started  # type: ignore[attr-defined]
    return run


# --------------------------------------------------------------------------- what is on disk


def saved(store: SessionStore, session_id: str) -> dict[str, Any]:
    """The session file parsed as TOML, after checking the store also reads it."""
    path = store.folder / f"{session_id}.toml"
    data = tomllib.loads(path.read_text("utf-8"))
    SessionStore(store.folder).load(session_id)
    return data


def assert_kept(
    store: SessionStore,
    session_id: str,
    typed: list[str],
    received: list[str],
) -> list[dict[str, Any]]:
    """The file holds every prompt typed and every reply received, in order, exactly."""
    messages = saved(store, session_id)["messages"]
    assert [m["content"] for m in messages if m["role"] == "user"] == typed
    assert [m["content"] for m in messages if m["role"] == "assistant"] == received
    for message in messages:
        if message["role"] == "assistant":
            assert message["model"]
    return messages


# --------------------------------------------------------------------------- odd endpoints


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def unanswering_endpoint() -> Iterator[str]:
    """A base URL whose server accepts the connection, reads the request and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    yield f"http://127.0.0.1:{port}/v1"
    listener.close()


@pytest.fixture
def unaccepting_endpoint() -> Iterator[str]:
    """A base URL whose listen queue is full, so a new connection never completes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers: list[socket.socket] = []
    # Fill the accept queue (Linux admits backlog + 1); later SYNs are dropped and time out.
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    yield f"http://127.0.0.1:{port}/v1"
    for filler in fillers:
        filler.close()
    listener.close()


@pytest.fixture
def plain_http_endpoint() -> Iterator[str]:
    """An https:// base URL whose port speaks plain HTTP: it answers a TLS hello with a 400."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(4096)
                connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=serve, name="plain-http", daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{port}/v1"
    listener.shutdown(socket.SHUT_RDWR)
    listener.close()
    thread.join(timeout=5)


@pytest.fixture
async def reroute(loopback) -> AsyncIterator[Reroute]:
    """A transport that reaches a faulty endpoint until the test heals it."""
    transport = Reroute(loopback.base_url)
    yield transport
    await transport.aclose()


__all__ = [
    "chat",
    "notifications",
    "received",
    "screen_text",
    "send",
    "send_and_wait",
    "told",
    "wait_for",
]
