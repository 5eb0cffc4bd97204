"""``baocao import-plan`` and ``baocao ask``: import a plan document, ask questions about it."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.plan_import import preview, too_large
from handlers.questions import Answer, Asker, answer_question
from locales.i18n import _
from storage import clock
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models.units import Unit
from storage.plans import ParsedPlan, find_or_create_area, parse_plan, read_text, save_plan
from storage.plans.askers import asker_unit
from storage.plans.document import TooLarge

_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_MEMORY = "sqlite+aiosqlite://"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``import-plan`` and ``ask`` to the ``baocao`` command line."""
    imp = subparsers.add_parser("import-plan", help=_("import a plan document (.txt, .md, .docx)"))
    imp.add_argument("file", type=Path)
    imp.add_argument("--area", help=_("the area that issued the plan, e.g. “xã Quỳ Hợp” (default: as the plan says)"))
    imp.add_argument("--dry-run", action="store_true", help=_("show what was understood, save nothing"))
    imp.add_argument("--json", action="store_true", help=_("print the preview as JSON"))
    imp.set_defaults(handler=_import_command)
    ask = subparsers.add_parser("ask", help=_("ask a question about a plan (throw-away database)"))
    ask.add_argument("--plan", type=Path, required=True)
    ask.add_argument("--as", dest="unit", help=_("ask as a member of this unit (an agency, or a hamlet)"))
    ask.add_argument("--role", default="leader", choices=("reporter", "officer", "leader", "admin"))
    ask.add_argument("--today", type=dt.date.fromisoformat, help=_("the date to answer for (YYYY-MM-DD)"))
    ask.add_argument("--json", action="store_true", help=_("print JSON (always on)"))
    ask.add_argument("--batch", action="store_true", help=_('read JSON lines {"q", "as"} from stdin'))
    ask.add_argument("question", nargs="?", default="")
    ask.set_defaults(handler=_ask_command)


def preview_text(plan: ParsedPlan) -> str:
    """The full preview of what the importer understood (every unplaced paragraph, ten targets)."""
    return preview(plan, bullet="  ", targets=10, unplaced=len(plan.unplaced), limit=None)


def _import_command(args: argparse.Namespace, settings: Any) -> int:
    return asyncio.run(_import(args, str(getattr(settings, "database_url", "sqlite+aiosqlite:///baocao.db"))))


def _read_plan(path: Path, area: str | None = None) -> ParsedPlan | None:
    """Parse the plan at ``path``; ``None`` (the reason printed) when it is over the limits."""
    try:
        return parse_plan(read_text(path), path.name, area_name=area)
    except TooLarge as error:
        print(too_large(error), file=sys.stderr)
        return None


async def _import(args: argparse.Namespace, url: str) -> int:
    plan = _read_plan(args.file, args.area)
    if plan is None:
        return 2
    if args.json:
        print(json.dumps(plan.as_json(), ensure_ascii=False))
    else:
        print(preview_text(plan))
    if args.dry_run:
        return 0
    if not plan.area_name:
        print(_("Give the area with --area: the plan does not say it."), file=sys.stderr)
        return 2
    engine = create_engine(url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session, session.begin():
            area = await find_or_create_area(session, plan.area_name)
            saved = await save_plan(session, plan, area)
            plan_id = saved.id
    finally:
        await engine.dispose()
    if not args.json:
        print(_("Saved as plan #{id}.").format(id=plan_id))
    return 0


def _ask_command(args: argparse.Namespace, settings: Any) -> int:
    return asyncio.run(_ask(args, sys.stdin, sys.stdout))


@asynccontextmanager
async def plan_in_memory(parsed: ParsedPlan) -> AsyncIterator[PlanAsker]:
    """A throw-away in-memory database holding ``parsed``, asked as ``baocao ask`` does (the question
    sets are scored through it too)."""
    engine = create_engine(_MEMORY)
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        async with sessions() as session, session.begin():
            area = await find_or_create_area(session, parsed.area_name or "?")
            await save_plan(session, parsed, area)
        yield PlanAsker(sessions, area)
    finally:
        await engine.dispose()


class PlanAsker:
    """Answers questions about one plan in its throw-away database, as a named unit of its area."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], area: Unit) -> None:
        self._sessions, self._area = sessions, area
        self._askers: dict[str, int] = {}

    async def ask(self, question: str, as_unit: str | None, role: str, today: dt.date) -> Answer:
        """Answer ``question`` as ``as_unit`` (strict names: never the closest other agency)."""
        async with self._sessions() as session, session.begin():
            unit_id = await asker_unit(session, self._area, as_unit, self._askers)
            return await answer_question(session, question, Asker(unit_id, role), today)


def answer_json(answer: Answer) -> dict[str, Any]:
    """What ``baocao ask --json`` prints for one answer."""
    return {"intent": answer.intent, "unit": answer.unit, "answer": "\n\n".join(r.text for r in answer.replies),
            "tasks": answer.tasks}


async def _ask(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    parsed = _read_plan(args.plan)
    if parsed is None:
        return 2
    today = args.today or clock.now().astimezone(_TZ).date()
    items = (
        [json.loads(line) for line in stdin if line.strip()]
        if args.batch
        else [{"q": args.question, "as": args.unit}]
    )
    async with plan_in_memory(parsed) as plan:
        for item in items:
            as_unit = item.get("as") if args.batch else item.get("as") or args.unit
            answer = await plan.ask(str(item.get("q", "")), as_unit, args.role, today)
            stdout.write(json.dumps(answer_json(answer), ensure_ascii=False) + "\n")
    return 0
