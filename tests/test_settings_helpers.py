from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from cxq.lib.env import env_bool, env_choice, env_int, env_list
from cxq.lib.timezones import is_valid_time_zone
from cxq.lib.urls import absolute_url


def test_env_bool_accepts_common_spellings_and_refuses_nonsense():
    assert env_bool("X", environ={"X": "yes"}) is True
    assert env_bool("X", environ={"X": "0"}) is False
    assert env_bool("X", True, environ={}) is True
    with pytest.raises(ImproperlyConfigured, match="X must be a boolean"):
        env_bool("X", environ={"X": "maybe"})


def test_env_int_checks_type_and_bounds_naming_the_variable():
    assert env_int("N", 3, environ={"N": "7"}) == 7
    with pytest.raises(ImproperlyConfigured, match="N must be an integer"):
        env_int("N", 3, environ={"N": "seven"})
    with pytest.raises(ImproperlyConfigured, match="N must be at least 1"):
        env_int("N", 3, minimum=1, environ={"N": "0"})


def test_env_choice_takes_one_of_its_choices_and_names_them_otherwise():
    assert env_choice("W", "thread", ("thread", "process"), environ={"W": " Process "}) == "process"
    assert env_choice("W", "thread", ("thread", "process"), environ={"W": ""}) == "thread"
    with pytest.raises(ImproperlyConfigured, match="W must be one of thread, process, got 'fork'"):
        env_choice("W", "thread", ("thread", "process"), environ={"W": "fork"})


def test_env_list_splits_on_commas():
    assert env_list("H", ["a"], environ={"H": "x.com, y.com,"}) == ["x.com", "y.com"]
    assert env_list("H", ["a"], environ={}) == ["a"]


def test_time_zones_are_iana_names():
    assert is_valid_time_zone("Europe/Amsterdam")
    assert is_valid_time_zone("UTC")
    assert not is_valid_time_zone("Mars/Olympus")


def test_absolute_urls_use_the_configured_base(settings):
    settings.CXQ_BASE_URL = "https://qa.example.com"
    assert absolute_url("/teams/") == "https://qa.example.com/teams/"
    assert absolute_url("https://other.example/x") == "https://other.example/x"


def test_day_edges_are_whole_days_in_the_viewers_time_zone():
    import datetime as dt
    import zoneinfo

    from django.utils import timezone

    from cxq.lib.timezones import day_edge

    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        start = day_edge(dt.date(2026, 11, 2))
        end = day_edge(dt.date(2026, 11, 2), end=True)
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 11, 1, 15, 0, tzinfo=dt.UTC)
    assert end - start == dt.timedelta(days=1)
    assert day_edge(None) is None


def test_bulk_gc_relaxes_the_collector_only_for_the_work_and_restores_it_even_on_error():
    import gc

    import pytest

    from cxq.lib.gc import BULK_THRESHOLDS, bulk_gc

    before = gc.get_threshold()
    with bulk_gc():
        assert gc.get_threshold() == BULK_THRESHOLDS and gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), bulk_gc():
        raise RuntimeError("a batch failed")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_overlapping_bulk_work_in_threads_shares_one_relaxed_period_and_restores_the_collector():
    import gc
    import threading

    from cxq.lib.gc import BULK_THRESHOLDS, bulk_gc

    before = gc.get_threshold()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, tuple] = {}

    def first():
        with bulk_gc():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with bulk_gc():
            second_in.set()
            first_out.wait(5)
            seen["after the first left"] = gc.get_threshold()  # still relaxed: the second is inside
        seen["after both left"] = gc.get_threshold()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    # the second did not save the relaxed settings as "before" and restore them when it left
    assert seen == {"after the first left": BULK_THRESHOLDS, "after both left": before}
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
