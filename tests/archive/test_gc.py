"""The collector's pace during a pull (wecom_app.archive.gc_tuning)."""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
from collections.abc import Iterator, Sequence

import pytest

from tests.support.archive import make_world
from wecom_app.archive import gc_tuning
from wecom_app.archive.gc_tuning import YOUNG_THRESHOLD, ingest_gc, tune_worker
from wecom_app.store.archive import ArchiveMessage


@pytest.fixture
def default_thresholds() -> Iterator[tuple[int, int, int]]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        yield gc.get_threshold()
    finally:
        gc.set_threshold(*saved)


def test_collection_is_rarer_inside_and_as_before_after(
    default_thresholds: tuple[int, int, int],
) -> None:
    with ingest_gc():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
        with ingest_gc():  # a second tenant's pull in the same process
            assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD  # the first pull still runs
    assert gc.get_threshold() == default_thresholds


def test_an_error_inside_still_restores(default_thresholds: tuple[int, int, int]) -> None:
    with pytest.raises(RuntimeError), ingest_gc():
        raise RuntimeError("batch failed")
    assert gc.get_threshold() == default_thresholds
    assert gc_tuning._active == 0


def test_a_higher_threshold_is_kept_and_switched_off_stays_off(
    default_thresholds: tuple[int, int, int],
) -> None:
    gc.set_threshold(50_000, 10, 10)
    with ingest_gc():
        assert gc.get_threshold()[0] == 50_000
    gc.set_threshold(0, 10, 10)
    with ingest_gc():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0


def _worker_state(queue: multiprocessing.Queue[tuple[int, int]]) -> None:
    tune_worker()
    queue.put((gc.get_threshold()[0], gc.get_freeze_count()))


def test_a_decoder_process_freezes_its_startup_objects_and_collects_rarely() -> None:
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[tuple[int, int]] = context.Queue()
    process = context.Process(target=_worker_state, args=(queue,))
    process.start()
    threshold, frozen = queue.get(timeout=60)
    process.join(timeout=60)
    assert threshold == YOUNG_THRESHOLD
    assert frozen > 1000  # the interpreter's and our modules' objects


@pytest.mark.usefixtures("database")
async def test_a_pull_runs_with_the_raised_threshold_and_puts_it_back(
    default_thresholds: tuple[int, int, int],
) -> None:
    seen: list[int] = []

    async def hook(corp_pk: int, messages: Sequence[ArchiveMessage]) -> None:
        seen.append(gc.get_threshold()[0])
        await asyncio.sleep(0)

    world = await make_world(count=300)
    report = await world.pull(hook=hook, batch_size=100)
    assert report.ok == 300
    assert seen == [YOUNG_THRESHOLD] * 3
    assert gc.get_threshold() == default_thresholds
