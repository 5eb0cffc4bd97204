"""Settings read BAOCAO_CLOCK and BAOCAO_SCHEDULER; the program clock flows from a pinned moment."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.settings import Settings
from storage import clock


def test_baocao_clock_is_an_iso_moment_with_its_offset() -> None:
    settings = Settings.from_env({"BAOCAO_CLOCK": "2026-12-31T23:59+07:00"})
    assert settings.clock_start == dt.datetime(2026, 12, 31, 16, 59, tzinfo=dt.UTC)
    assert Settings.from_env({}).clock_start is None
    with pytest.raises(clock.ClockError):
        Settings.from_env({"BAOCAO_CLOCK": "2026-12-31T23:59"})  # no offset: which 23:59?
    with pytest.raises(clock.ClockError):
        Settings.from_env({"BAOCAO_CLOCK": "31/12/2026"})


def test_a_pinned_clock_starts_at_the_moment_and_flows() -> None:
    moment = dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    clock.pin(moment)
    first = clock.now()
    assert clock.is_pinned() and dt.timedelta(0) <= first - moment < dt.timedelta(seconds=5)
    assert first.tzinfo == dt.UTC
    clock.pin(moment)  # pinned again at the same moment (a second app in one process): time goes on
    assert clock.now() >= first


def test_the_scheduler_can_be_turned_off_for_a_sending_only_worker() -> None:
    assert Settings.from_env({}).scheduler
    assert not Settings.from_env({"BAOCAO_SCHEDULER": "off"}).scheduler
