"""A failed database write never puts a report's note into an exception message, and so into the
logs (issue 11, item 3): the engines hide statement parameters."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import session_factory
from storage.models import Report

NOTE = "Anh Nguyễn Văn A ở xóm 3, gọi 0912 345 678"


async def test_a_failed_write_does_not_show_the_note(engine: AsyncEngine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(IntegrityError) as failed:
        async with session_factory(engine)() as session, session.begin():
            # No such unit, set or period: the foreign keys refuse the row.
            session.add(Report(unit_id=987_654, set_id=987_654, period_id=987_654, note=NOTE))
            await session.flush()
    logging.getLogger("baocao.test").error("update failed", exc_info=failed.value)
    assert "hidden" in str(failed.value)
    for shown in (str(failed.value), repr(failed.value), caplog.text):
        assert "Nguyễn" not in shown and "0912" not in shown
