"""The model list cache: per endpoint, expires, and a corrupt file is a miss, not a crash."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from app.store import ModelCache, StoreWriteError

MODELS: list[dict[str, object]] = [
    {"id": "qwen/qwen3-32b", "context_length": 40960},
    {"id": "openai/gpt-oss-120b"},
]
URL = "https://ai.hackclub.com/proxy/v1"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(tmp_path: Path, clock: Clock) -> ModelCache:
    return ModelCache(tmp_path / "cache" / "models.json", clock=clock)


def test_saved_models_load_back_for_the_same_endpoint(cache: ModelCache) -> None:
    cache.save(URL, MODELS)

    assert cache.load(URL) == MODELS
    assert cache.load(URL + "/") == MODELS
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600


def test_a_missing_cache_is_a_miss(cache: ModelCache) -> None:
    assert cache.load(URL) is None


def test_another_endpoint_does_not_reuse_the_cache(cache: ModelCache) -> None:
    cache.save(URL, MODELS)

    assert cache.load("http://127.0.0.1:11434/v1") is None


def test_each_endpoint_keeps_its_own_list(cache: ModelCache) -> None:
    local = [{"id": "llama3.2"}]
    cache.save(URL, MODELS)
    cache.save("http://127.0.0.1:11434/v1", local)

    assert cache.load(URL) == MODELS
    assert cache.load("http://127.0.0.1:11434/v1") == local


def test_the_cache_expires_after_max_age(cache: ModelCache, clock: Clock) -> None:
    cache.save(URL, MODELS)

    clock.now += 86_399
    assert cache.load(URL) == MODELS
    clock.now += 2
    assert cache.load(URL) is None
    assert cache.load(URL, max_age_s=100_000) == MODELS


def test_a_fetch_time_in_the_future_is_not_trusted(cache: ModelCache, clock: Clock) -> None:
    cache.save(URL, MODELS)

    clock.now -= 3600

    assert cache.load(URL) is None


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{broken",
        b"[]",
        b'{"version": 1, "endpoints": []}',
        b'{"version": 1, "endpoints": {"https://ai.hackclub.com/proxy/v1": {"models": []}}}',
        b'{"version": 1, "endpoints": {"https://ai.hackclub.com/proxy/v1": '
        b'{"fetched_at": 1800000000, "models": ["not a dict"]}}}',
    ],
)
def test_a_corrupt_cache_is_a_miss(cache: ModelCache, content: bytes) -> None:
    cache.path.parent.mkdir(parents=True)
    cache.path.write_bytes(content)

    assert cache.load(URL) is None


def test_saving_over_a_corrupt_cache_replaces_it(cache: ModelCache) -> None:
    cache.path.parent.mkdir(parents=True)
    cache.path.write_bytes(b"{broken")

    cache.save(URL, MODELS)

    assert cache.load(URL) == MODELS


def test_a_cache_that_cannot_be_written_raises_a_write_error(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("")
    cache = ModelCache(tmp_path / "not-a-folder" / "models.json")

    with pytest.raises(StoreWriteError, match="Could not save the model list"):
        cache.save(URL, MODELS)
