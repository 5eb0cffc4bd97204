"""Dialog payloads are typed and versioned: a report left unfinished across an upgrade resumes (its
version-1 payload, as stored before payloads were typed, is migrated), a payload written by a newer
bot is kept untouched with a clear message, and only one that cannot be read is reset."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.payloads import PayloadTooNew, PayloadUnreadable, upgrade
from conversations.plan_import import PlanImportDialog, PlanImportPayload
from conversations.report_dialog import ReportDialog
from conversations.report_payload import ReportPayload
from handlers.dispatch import Core
from storage.db import session_factory
from storage.models import DialogState
from tests.core.chat import Clock, User, texts
from tests.core.test_report_dialog import ANSWERS, khe_lo_report, registered

# A report dialog at its third question, as the bot stored it before payloads were typed (version 1):
# no "pending", "editing", "existing" or "resume" keys until they were needed.
V1_AT_THE_THIRD_QUESTION = """{"unit_id": %(unit_id)d, "unit_name": "Bản Khe Ló", "set_id": %(set_id)d,
 "period": "2026-11", "current": "2026-11", "index": 2, "answers": {"nghien": 3, "su_dung": 2},
 "offered_period": false, "previous": {}, "previous_period": null, "deadline": "%(deadline)s",
 "answered": ["nghien", "su_dung"]}"""

# Older still: a version-1 row from before "answered" was kept, waiting for "yes" on a figure.
V1_WITHOUT_ANSWERED = """{"unit_id": 7, "unit_name": "Bản Khe Ló", "set_id": 1, "period": "2026-11",
 "current": "2026-11", "index": 1, "answers": {"nghien": 3}, "offered_period": true,
 "previous": {"nghien": 2}, "previous_period": "2026-10", "deadline": "2026-11-25", "pending": 30}"""


async def _row(engine: AsyncEngine, user_id: str) -> DialogState:
    async with session_factory(engine)() as session:
        return (await session.execute(select(DialogState).where(DialogState.user_id == user_id))).scalar_one()


async def _store(engine: AsyncEngine, user_id: str, step: str, version: int, payload: str) -> None:
    """Write a dialog row as an earlier (or later) bot left it."""
    async with session_factory(engine)() as session, session.begin():
        row = (await session.execute(select(DialogState).where(DialogState.user_id == user_id))).scalar_one()
        row.dialog, row.step, row.version, row.payload = "report", step, version, json.loads(payload)
        row.rev += 1


async def _left_at_version_1(engine: AsyncEngine) -> tuple[User, Clock]:
    """A reporter whose report was at its third question when the bot was upgraded."""
    clock = Clock()
    user, _core = await registered(engine, clock=clock)
    await user.say("báo cáo")
    started = (await _row(engine, user.user_id)).payload
    await _store(engine, user.user_id, "ask", 1, V1_AT_THE_THIRD_QUESTION % started)
    # The upgraded bot: a new core, nothing of the old one in memory.
    return User(Core(sessions=session_factory(engine), clock=clock), user.user_id), clock


async def test_a_report_left_at_version_1_resumes_after_the_upgrade(engine: AsyncEngine) -> None:
    user, _clock = await _left_at_version_1(engine)
    resumed = texts(await user.say("3"))
    assert "(4/13)" in resumed and "đặt lại" not in resumed
    row = await _row(engine, user.user_id)
    assert (row.step, row.version) == ("ask", ReportPayload.VERSION)
    assert row.payload["answered"] == ["nghien", "su_dung", "sau_cai"]
    for answer in ANSWERS[3:]:
        await user.say(answer)
    await user.say("bỏ qua")
    assert "Đã lưu" in texts(await user.say("xác nhận"))
    report = await khe_lo_report(engine)
    assert report is not None and (report.values["nghien"], report.values["su_dung"]) == (3, 2)


async def test_a_payload_from_a_newer_bot_is_kept_and_the_user_told(engine: AsyncEngine) -> None:
    user, _clock = await _left_at_version_1(engine)
    future = json.dumps({"shape": "of a later version", "answers": {"nghien": 3}})
    await _store(engine, user.user_id, "ask", ReportPayload.VERSION + 1, future)
    said = texts(await user.say("3"))
    assert "Bot đang được cập nhật" in said and "vẫn được giữ nguyên" in said
    row = await _row(engine, user.user_id)
    assert (row.dialog, row.step, row.version) == ("report", "ask", ReportPayload.VERSION + 1)
    assert row.payload == json.loads(future)


async def test_a_payload_that_cannot_be_read_is_reset_with_the_message(engine: AsyncEngine) -> None:
    user, _clock = await _left_at_version_1(engine)
    await _store(engine, user.user_id, "ask", 1, '{"answers": "not a report"}')
    assert "phần đang làm dở đã được đặt lại" in texts(await user.say("3"))
    assert (await _row(engine, user.user_id)).dialog is None


def test_a_version_1_payload_without_answered_checks_every_answer() -> None:
    state = ReportDialog().load("check", 1, json.loads(V1_WITHOUT_ANSWERED))
    assert state.version == ReportPayload.VERSION == 3
    assert state.data.answered == ["nghien"] and state.data.pending == 30
    assert state.data.deadline == dt.date(2026, 11, 25) and state.data.existing is None
    assert not state.data.editing and state.data.resume is None


def test_report_payload_round_trips_through_json() -> None:
    payload = ReportPayload(
        unit_id=7, unit_name="Bản Khe Ló", set_id=1, period="2026-10", current="2026-11", offered_period=True,
        index=12, answers={"nghien": 3, "ghi_chu": "đường xóm 3"}, answered=["ghi_chu", "nghien"],
        previous={"nghien": 2, "su_dung": None}, previous_period="2026-09", deadline=dt.date(2026, 10, 25),
        existing={"nghien": 4, "ghi_chu": None}, pending=30, editing=True, resume="confirm",
    )
    stored = json.loads(json.dumps(payload.to_json(), ensure_ascii=False))
    assert ReportPayload.from_json(stored) == payload
    assert ReportPayload.load(stored, ReportPayload.VERSION) == payload
    started = ReportPayload(unit_id=7, unit_name="Bản Khe Ló", set_id=1, period="2026-11", current="2026-11")
    assert ReportPayload.from_json(json.loads(json.dumps(started.to_json()))) == started


def test_plan_import_payload_round_trips_through_json() -> None:
    payload = PlanImportPayload(name="kh.txt", plan={"number": "12/KH-UBND", "tasks": []}, area_id=3)
    stored = json.loads(json.dumps(payload.to_json()))
    assert PlanImportPayload.from_json(stored) == payload
    assert PlanImportDialog().load("confirm", PlanImportPayload.VERSION, stored).data == payload


def test_what_cannot_be_resumed_says_why() -> None:
    dialog = ReportDialog()
    good = ReportPayload(unit_id=7, unit_name="Bản Khe Ló", set_id=1, period="2026-11", current="2026-11").to_json()
    with pytest.raises(PayloadTooNew):
        dialog.load("ask", ReportPayload.VERSION + 1, good)
    with pytest.raises(PayloadUnreadable):
        dialog.load("a step that is gone", ReportPayload.VERSION, good)
    with pytest.raises(PayloadUnreadable):
        dialog.load("check", ReportPayload.VERSION, good)  # nothing waits for a "yes"
    with pytest.raises(PayloadUnreadable):
        dialog.load("ask", ReportPayload.VERSION, {**good, "unit_id": "bảy"})
    with pytest.raises(PayloadUnreadable):
        dialog.load("ask", 0, good)  # older than any migration
    with pytest.raises(PayloadUnreadable):
        upgrade({}, 1, 3, {1: lambda data: data})  # a gap in the chain
