"""cxq/lib/gc.py: the startup freeze of a web worker and the relaxed collector of bulk jobs
(docs/performance.md#pauses-of-the-garbage-collector)."""

from __future__ import annotations

import gc

import pytest

from cxq.lib import gc as cxq_gc


@pytest.fixture
def clean_collector():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    cxq_gc._Relaxed.startup_frozen = False


def test_a_bulk_job_relaxes_the_collector_and_restores_it(clean_collector):
    before = gc.get_threshold()
    with cxq_gc.bulk_gc():
        assert gc.get_threshold() == cxq_gc.BULK_THRESHOLDS and gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_the_startup_freeze_outlives_a_bulk_job(clean_collector):
    cxq_gc.freeze_startup()
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # Django and the apps are loaded in the test process
    with cxq_gc.bulk_gc():
        assert gc.get_threshold() == cxq_gc.BULK_THRESHOLDS
    assert gc.get_freeze_count() >= frozen * 0.9  # frozen again after the job, not left to the walks
    cycle: list = []
    cycle.append(cycle)  # a cycle made after startup is still collected
    del cycle
    assert gc.collect() >= 1


def test_the_web_workers_application_freezes_what_it_loaded(clean_collector):
    import importlib

    import cxq.wsgi

    gc.unfreeze()
    importlib.reload(cxq.wsgi)
    assert cxq_gc._Relaxed.startup_frozen and gc.get_freeze_count() > 10_000
