"""Full garbage collections wait for the user to be idle (app/ui/_idle_gc.py)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from app.ui._app import HCChatApp
from app.ui._idle_gc import BUSY_THRESHOLD, DUE_AFTER, IDLE_AFTER, IdleCollector

from .conftest import wait_for


class _Node:
    """An object that can be put in a reference cycle, and weakly referenced."""

    def __init__(self) -> None:
        self.other: _Node | None = None


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def collector() -> Iterator[tuple[IdleCollector, _Clock]]:
    clock = _Clock()
    idle = IdleCollector(clock)
    thresholds = gc.get_threshold()
    idle.start()
    try:
        yield idle, clock
    finally:
        idle.stop()
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0


def _make_due() -> None:
    for _ in range(DUE_AFTER):
        gc.collect(1)


def test_start_freezes_what_exists_and_defers_full_collections(collector):
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[2] == BUSY_THRESHOLD


def test_a_full_collection_waits_for_idle_and_for_reason_to_run(collector):
    idle, clock = collector
    assert not idle.tick(busy=False)  # nothing collected since: not due
    _make_due()
    idle.input()
    clock.now += IDLE_AFTER / 2
    assert not idle.tick(busy=False)  # the user just typed
    clock.now += IDLE_AFTER
    assert not idle.tick(busy=True)  # a reply is streaming
    assert idle.tick(busy=False)
    assert idle.collections == 1
    assert not idle.tick(busy=False)  # done: not due again yet
    assert gc.get_freeze_count() > 0  # what survived is frozen again


def test_garbage_among_frozen_objects_is_freed_when_idle(collector):
    idle, clock = collector
    first, second = _Node(), _Node()
    first.other, second.other = second, first  # a cycle: only the collector frees it
    alive = weakref.ref(first)
    gc.freeze()  # as happens to whatever exists at an idle collection
    del first, second
    _make_due()
    assert alive() is not None  # frozen: the automatic collections do not see it
    clock.now += IDLE_AFTER * 2
    assert idle.tick(busy=False)
    assert alive() is None


async def test_the_app_collects_when_idle_and_restores_the_collector_on_exit(settings):
    thresholds = gc.get_threshold()
    app = HCChatApp(settings, idle_gc=True)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: gc.get_freeze_count() > 0)
        collector = app._idle_gc
        assert collector is not None
        await pilot.press("h", "i")  # typing is input: it postpones the collection
        _make_due()
        await wait_for(pilot, lambda: collector.collections == 1)
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0


def test_what_a_stream_leaves_is_frozen_and_its_garbage_freed_when_idle(collector):
    idle, clock = collector
    frozen = gc.get_freeze_count()
    first, second = _Node(), _Node()
    first.other, second.other = second, first
    alive = weakref.ref(first)
    assert not idle.tick(busy=True)  # a reply streams: what survived is frozen, not collected
    assert gc.get_freeze_count() > frozen
    del first, second
    _make_due()
    gc.collect(2)  # even a full automatic collection does not walk it now
    assert alive() is not None
    clock.now += IDLE_AFTER * 2
    assert idle.tick(busy=False)
    assert alive() is None
