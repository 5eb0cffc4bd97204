"""CLI for operators and scripts: ``baocao summary`` (text, PNG, Excel), ``baocao remind`` (what is due) and
``baocao province-invite`` (a province leader's invite code).

``baocao summary --area <province>`` gives the province summary of its communes' reports (as the province
leaders' group reads it); ``--hamlets`` keeps the roll-up of every hamlet's reports.

Registered by ``bot.cli`` through ``COMMAND_MODULES``; also runnable alone as ``python -m bot.cli_groups``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.settings import Settings
from handlers.province_excel import province_xlsx
from handlers.province_reminders import province_due, province_ids_with_audience, write_province_due
from handlers.province_render import province_details, province_png
from handlers.province_summary import ProvinceSummaryError, build_province_summary
from handlers.reminders import Planned, due_messages, write_due
from handlers.summaries import SummaryError, build_summary
from handlers.summary_chart import summary_png
from handlers.summary_excel import summary_xlsx
from handlers.summary_render import summary_text
from locales.i18n import _, fmt_date, set_language
from storage import clock
from storage.calendar import TZ, local
from storage.db import create_engine, session_factory
from storage.invites import open_or_new_invite
from storage.migrate import upgrade
from storage.models import Unit
from storage.periods import PeriodSpec, parse_period, period_of
from storage.units import find_units

AREA_KINDS = ("commune", "district", "province", "country")


async def _area(session: AsyncSession, name: str | None) -> Unit | str:
    """The area named ``name``, or the only commune when no name is given; a message when neither works."""
    if name:
        matches = await find_units(session, name, kinds=AREA_KINDS)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            return _("No commune, district or province matches “{name}”.").format(name=name)
        return _("“{name}” matches several areas: {names}").format(
            name=name, names=", ".join(u.name for u in matches))
    communes = list((await session.scalars(select(Unit).where(Unit.kind == "commune").limit(2))).all())
    if len(communes) == 1:
        return communes[0]
    return _("The database holds several communes (or none): name one with --area.")


async def _summary(engine: AsyncEngine, args: argparse.Namespace) -> int:
    now = clock.now()
    try:
        period = parse_period(args.period) if args.period else period_of("month", local(now).date())
    except ValueError:
        print(_("Not a period: {code} (write 2026-11, 2026-Q4, 2026-H2 or 2026).").format(code=args.period),
              file=sys.stderr)
        return 2
    async with session_factory(engine)() as session:
        area = await _area(session, args.area)
        if isinstance(area, str):
            print(area, file=sys.stderr)
            return 2
        if area.kind != "commune" and not args.hamlets:
            return await _province_summary(session, area, period, now, args)
        try:
            summary = await build_summary(session, area, period, now, per_hamlet_values=bool(args.xlsx))
        except SummaryError as exc:
            print(exc, file=sys.stderr)
            return 2
    if args.png:
        Path(args.png).write_bytes(summary_png(summary))
    if args.xlsx:
        Path(args.xlsx).write_bytes(summary_xlsx(summary))
    if args.text or not (args.png or args.xlsx):
        print(summary_text(summary))
    return 0


async def _province_summary(
    session: AsyncSession, area: Unit, period: PeriodSpec, now: dt.datetime, args: argparse.Namespace
) -> int:
    """The summary of the communes' reports of a province (or district), as its leaders' group reads it."""
    try:
        summary = await build_province_summary(session, area, period, now)
    except ProvinceSummaryError:
        print(_("No commune of {province} has the commune police's report set up yet.").format(province=area.name),
              file=sys.stderr)
        return 2
    if args.png:
        Path(args.png).write_bytes(province_png(summary))
    if args.xlsx:
        Path(args.xlsx).write_bytes(province_xlsx(summary))
    if args.text or not (args.png or args.xlsx):
        print(province_details(summary))
    return 0


def _line(item: Planned) -> str:
    first = item.text.splitlines()[0] if item.text else ""
    return f"{item.transport}:{item.chat_id}\t{item.audience}\t{item.dedupe_key}\t{first}"


async def _remind(engine: AsyncEngine, args: argparse.Namespace) -> int:
    try:
        moment = dt.datetime.strptime(args.at, "%Y-%m-%d %H:%M").replace(tzinfo=TZ).astimezone(dt.UTC)
    except ValueError:
        print(_("Write the moment as \"YYYY-MM-DD HH:MM\" (Vietnam time)."), file=sys.stderr)
        return 2
    sessions = session_factory(engine)
    if args.dry_run:
        async with sessions() as session:
            planned = await due_messages(session, moment, with_chart=False)
            for province in await _provinces(session):
                planned += await province_due(session, province, moment, with_chart=False)
    else:
        async with sessions() as session, session.begin():
            planned = await write_due(session, moment)
            for province in await _provinces(session):
                planned += await write_province_due(session, province, moment)
    for item in planned:
        print(_line(item))
    if args.dry_run:
        done = _("{count} messages would be sent at {moment}.")
    else:
        done = _("{count} messages were written to the outbox at {moment}.")
    print(done.format(count=len(planned), moment=args.at), file=sys.stderr)
    return 0


async def _provinces(session: AsyncSession) -> list[Unit]:
    """The provinces whose leaders have a group or a messenger to be told on."""
    ids = await province_ids_with_audience(session)
    return list((await session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.id))).all())


async def _province_invite(engine: AsyncEngine, args: argparse.Namespace) -> int:
    """Print an invite code for a leader (or admin) of a province: ``/start <code>`` registers them."""
    now = clock.now()
    async with session_factory(engine)() as session, session.begin():
        matches = await find_units(session, args.area, kinds=("province",))
        if len(matches) != 1:
            print(_("No single province matches “{name}”.").format(name=args.area), file=sys.stderr)
            return 2
        invite = await open_or_new_invite(session, matches[0].id, args.role, now)
        role = _("province leader") if args.role == "leader" else _("province admin")
        print(_("{province}: invite code of a {role}: {code} (until {date}). Send it to the bot: "
                "/start {code}").format(province=matches[0].name, role=role, code=invite.code,
                                        date=fmt_date(local(invite.expires_at).date())))
    return 0


def _run(command: str, args: argparse.Namespace, settings: Settings) -> int:
    async def go() -> int:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
            set_language(settings.language)
            if command == "province-invite":
                return await _province_invite(engine, args)
            return await (_summary(engine, args) if command == "summary" else _remind(engine, args))
        finally:
            await engine.dispose()

    return asyncio.run(go())


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``summary`` and ``remind`` to the ``baocao`` command line."""
    summary = subparsers.add_parser("summary", help=_("a period's summary for a commune: text, chart, Excel"))
    summary.add_argument("--area", help=_("commune, district or province (optional with a single commune)"))
    summary.add_argument("--period", help=_("2026-11, 2026-Q4, 2026-H2 or 2026 (default: this month)"))
    summary.add_argument("--text", action="store_true", help=_("print the text (default without --png/--xlsx)"))
    summary.add_argument("--png", metavar="FILE", help=_("write the chart to FILE"))
    summary.add_argument("--xlsx", metavar="FILE", help=_("write the workbook to FILE"))
    summary.add_argument("--hamlets", action="store_true",
                         help=_("for a province: roll up every hamlet's reports instead of the communes' reports"))
    summary.set_defaults(handler=lambda args, settings: _run("summary", args, settings))
    remind = subparsers.add_parser("remind", help=_("the reminders and summaries due at a moment"))
    remind.add_argument("--at", required=True, help=_("\"YYYY-MM-DD HH:MM\", Vietnam time"))
    remind.add_argument("--dry-run", action="store_true", help=_("list what would be sent; write nothing"))
    remind.set_defaults(handler=lambda args, settings: _run("remind", args, settings))
    invite = subparsers.add_parser("province-invite", help=_("an invite code for a province leader"))
    invite.add_argument("--area", required=True, help=_("the province"))
    invite.add_argument("--role", choices=("leader", "admin"), default="leader")
    invite.set_defaults(handler=lambda args, settings: _run("province-invite", args, settings))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the group commands alone (``python -m bot.cli_groups``)."""
    top = argparse.ArgumentParser(prog="baocao")
    register(top.add_subparsers(dest="command", required=True))
    args = top.parse_args(argv)
    result: int = args.handler(args, Settings.from_env())
    return result


if __name__ == "__main__":
    sys.exit(main())
