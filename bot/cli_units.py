"""CLI: ``baocao units import FILE`` loads a commune's hamlets from a sheet; ``baocao units template FILE`` writes
the sample sheet.

Registered by ``bot.cli`` through ``COMMAND_MODULES``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from locales.i18n import _
from storage import clock
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.units_import import ImportResult, import_units
from storage.units_sheet import read_sheet
from storage.units_template import write_template


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``units import`` and ``units template``."""
    units = subparsers.add_parser("units", help=_("hamlets of a commune from a spreadsheet"))
    sub = units.add_subparsers(dest="units_command", required=True)
    imp = sub.add_parser("import", help=_("import provinces, communes and hamlets from an .xlsx or .csv sheet"))
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help=_("check and show what would change; save nothing"))
    imp.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    imp.add_argument("--retire-missing", action="store_true",
                     help=_("retire the hamlets of these communes that the sheet no longer lists (reports stay)"))
    imp.set_defaults(handler=_import_command)
    template = sub.add_parser("template", help=_("write the sample sheet (.xlsx, or .csv)"))
    template.add_argument("file", type=Path)
    template.set_defaults(handler=_template_command)


def _template_command(args: argparse.Namespace, settings: Settings) -> int:
    write_template(args.file)
    print(_("Sample sheet written to {path}: one row per hamlet, then “baocao units import {path}”.").format(
        path=args.file))
    return 0


def _import_command(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(run_import(create_engine(settings.database_url), args))


async def run_import(engine: AsyncEngine, args: argparse.Namespace) -> int:
    """Import the sheet of ``args.file`` into ``engine``'s database; 1 when any row is wrong (nothing saved)."""
    sheet = read_sheet(args.file)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session, session.begin():
            result = await import_units(session, sheet, clock.now(), dry_run=args.dry_run,
                                        retire_missing=args.retire_missing)
            if not result.saved:
                await session.rollback()
    finally:
        await engine.dispose()
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        print(preview_text(result, args.dry_run))
    return 1 if result.errors else 0


def preview_text(result: ImportResult, dry_run: bool) -> str:
    """What the import did (or would do), in lines a commune officer reads."""
    if result.errors:
        lines = [_("Nothing was saved: the sheet has {n} problem(s). Correct them and import again.").format(
            n=len(result.errors))]
        for error in result.errors:
            if error.row is not None and error.column:
                where = _("Row {row}, column {column}: ").format(row=error.row, column=error.column)
            elif error.row is not None:
                where = _("Row {row}: ").format(row=error.row)
            else:
                where = ""
            lines.append(f"  {where}{error.message}")
        return "\n".join(lines)
    lines = [_("{provinces} province(s), {communes} commune(s), {hamlets} hamlet(s) in the sheet.").format(
        provinces=result.provinces, communes=result.communes, hamlets=result.hamlets)]
    for name in result.new_communes:
        lines.append(_("New commune or ward: {name} (with the default monthly hamlet report).").format(name=name))
    lines.append(_("New hamlets: {created}; changed: {updated}; unchanged: {unchanged}.").format(
        created=len(result.created), updated=len(result.updated), unchanged=result.unchanged))
    if result.to_retire:
        lines.append(_("Not in the sheet (kept; add --retire-missing to retire them): {names}").format(
            names=", ".join(result.to_retire)))
    if result.retired:
        lines.append(_("Retired (their reports stay): {names}").format(names=", ".join(result.retired)))
    lines.append(_("Dry run: nothing saved.") if dry_run else _("Saved."))
    return "\n".join(lines)
