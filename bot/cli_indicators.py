"""CLI: ``baocao indicators export --area NAME -o FILE.xlsx`` and ``baocao indicators import --area NAME FILE.xlsx``.

The import prints what would change (added, changed, retired indicators) and asks nothing: ``--dry-run``
saves nothing, ``--yes`` saves the new version; without either it only previews. Registered by
``bot.cli`` through ``COMMAND_MODULES``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from conversations.indicator_import import SaveIndicatorSet, apply_save_indicator_set, preview
from handlers.indicator_sets import export_set
from locales.i18n import _
from storage import clock
from storage.db import create_engine, session_factory
from storage.indicator_sheet import read_sheet
from storage.migrate import upgrade
from storage.models import Unit
from storage.units import find_units

AREA_KINDS = ("province", "district", "commune")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``indicators export`` and ``indicators import``."""
    top = subparsers.add_parser("indicators", help=_("the indicator set of a province or commune as .xlsx"))
    sub = top.add_subparsers(dest="indicators_command", required=True)
    export = sub.add_parser("export", help=_("write the indicator set in use to an .xlsx file"))
    export.add_argument("--area", required=True, help=_("province or commune name (fuzzy-matched)"))
    export.add_argument("--set", dest="set_code", help=_("the set's code (default: the hamlets' monthly set)"))
    export.add_argument("-o", "--output", type=Path, required=True)
    export.set_defaults(handler=_export_command)
    imp = sub.add_parser("import", help=_("preview, then save an edited .xlsx as the set's next version"))
    imp.add_argument("--area", required=True, help=_("province or commune name (fuzzy-matched)"))
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help=_("check and show what would change; save nothing"))
    imp.add_argument("--yes", action="store_true", help=_("save the new version after the preview"))
    imp.set_defaults(handler=_import_command)


def _export_command(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(run_export(create_engine(settings.database_url), args))


def _import_command(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(run_import(create_engine(settings.database_url), args))


async def _area(engine: AsyncEngine, name: str) -> Unit | str:
    async with session_factory(engine)() as session:
        matches = await find_units(session, name, kinds=AREA_KINDS)
    if not matches:
        return _("No province or commune matches “{name}”.").format(name=name)
    if len(matches) > 1:
        return _("“{name}” matches several units: {names}").format(name=name, names=", ".join(u.name for u in matches))
    return matches[0]


async def run_export(engine: AsyncEngine, args: argparse.Namespace) -> int:
    """Write the set of ``args.area`` to ``args.output``; 1 when the area or its set is not found."""
    try:
        await upgrade(engine)
        area = await _area(engine, args.area)
        if isinstance(area, str):
            print(area, file=sys.stderr)
            return 1
        async with session_factory(engine)() as session:
            exported = await export_set(session, area, args.set_code)
    finally:
        await engine.dispose()
    if exported is None:
        print(_("{area} has no indicator set yet.").format(area=area.name), file=sys.stderr)
        return 1
    found, content = exported
    args.output.write_bytes(content)
    print(_("Indicator set “{name}” (version {version}, {code}) of {area} written to {path}.").format(
        name=found.name, version=found.version, code=found.code, area=area.name, path=args.output))
    return 0


async def run_import(engine: AsyncEngine, args: argparse.Namespace) -> int:
    """Preview the sheet ``args.file`` for ``args.area``; save it as the next version with ``args.yes``.
    1 when the sheet has a problem (nothing saved)."""
    try:
        content = args.file.read_bytes()
    except OSError as error:
        print(_("Cannot read {path}: {error}").format(path=args.file, error=error.strerror), file=sys.stderr)
        return 1
    parsed = read_sheet(content)
    try:
        await upgrade(engine)
        area = await _area(engine, args.area)
        if isinstance(area, str):
            print(area, file=sys.stderr)
            return 1
        async with session_factory(engine)() as session, session.begin():
            found = await preview(session, area, parsed)
            if isinstance(found, str):
                print(found)
                return 1 if parsed.problems else 0
            base, _changes, text = found
            print(text)
            if args.dry_run or not args.yes:
                print(_("Dry run: nothing saved.") if args.dry_run else
                      _("Nothing saved yet: run again with --yes to save this version."))
                return 0
            effect = SaveIndicatorSet(args.file.name, area.id, base.id, tuple(parsed.rows))
            saved = await apply_save_indicator_set(session, effect, None, clock.now())
            print(_("Saved as version {version}.").format(version=saved.version))
    finally:
        await engine.dispose()
    return 0
