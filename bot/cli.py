"""``baocao``: the command line (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
import uuid
from collections.abc import Sequence

from bot.app import App, build_app, setup_logging
from bot.settings import Settings
from bot.transports.console import run_console
from handlers.registration import role_name
from locales.i18n import _
from storage.demo import DemoSummary, load_demo
from storage.people import ensure_member
from storage.units import find_units

# Modules that add their own sub-commands with ``register(subparsers)``.
COMMAND_MODULES: list[str] = ["bot.cli_plans", "bot.cli_groups", "bot.cli_invites", "bot.cli_units",
                              "bot.cli_indicators"]


def _print_demo(summary: DemoSummary) -> None:
    print(_("Demo commune: {name}").format(name=summary.commune))
    print(_("Hamlets and the invite codes of their reporters:"))
    for hamlet in summary.hamlets:
        print(f"  {hamlet.name:<20} {hamlet.invite_code}")
    print(_("Leader invite code: {code}").format(code=summary.leader_code))
    print(_("Admin invite code (commune police): {code}").format(code=summary.admin_code))


async def _demo(settings: Settings) -> int:
    async with build_app(settings) as app, app.sessions() as session, session.begin():
        now = app.core.clock()
        summary = await load_demo(session, now, now.astimezone(app.core.timezone).date())
    _print_demo(summary)
    return 0


async def _console_user(app: App, unit_name: str, role: str) -> tuple[str, str] | str:
    async with app.sessions() as session, session.begin():
        matches = await find_units(session, unit_name, kinds=("hamlet", "agency", "commune", "district", "province"))
        if not matches:
            return _("No unit matches “{name}”.").format(name=unit_name)
        if len(matches) > 1:
            names = ", ".join(u.name for u in matches)
            return _("“{name}” matches several units: {names}").format(name=unit_name, names=names)
        unit = matches[0]
        user_id = f"{role}-{unit.id}"
        await ensure_member(session, "console", user_id, unit.id, role, app.core.clock())
        return user_id, unit.name


async def _chat(settings: Settings, unit_name: str | None, role: str, jsonl: bool) -> int:
    async with build_app(settings) as app:
        loaded = await app.load_demo_if_empty()
        if unit_name is None:
            if loaded is not None and not jsonl:
                _print_demo(loaded)  # a fresh database: the codes to register with are only shown here
            # A person nobody has seen: each run is someone new, who registers with an invite code.
            user_id = f"new-{uuid.uuid4().hex[:12]}"
            greeting = _("Chatting as a new, unregistered person. Send an invite code from “baocao demo” "
                         "(/start CODE) to register, /quit to leave.")
        else:
            found = await _console_user(app, unit_name, role)
            if isinstance(found, str):
                print(found, file=sys.stderr)
                return 2
            user_id, name = found
            greeting = _("Chatting as the {role} of {unit}. Type “báo cáo” to start, /quit to leave.").format(
                role=role_name(role), unit=name)
        await run_console(app.core, user_id, jsonl, greeting=greeting)
    return 0


async def _run(settings: Settings, framework: str, transport: str, webhook: bool) -> int:
    async with build_app(settings) as app:
        if transport == "zalo":
            module = importlib.import_module("bot.transports.zalo")
            result: int = await module.run(app, webhook=webhook)
            return result
        if framework == "ptb":
            module = importlib.import_module("bot.transports.ptb_transport")
        else:
            module = importlib.import_module("bot.transports.aiogram_transport")
        result = await module.run(app, webhook=webhook)
        return result


def parser() -> argparse.ArgumentParser:
    """Build the argument parser with every sub-command."""
    top = argparse.ArgumentParser(prog="baocao", description=_("Drug-prevention reporting bot"))
    sub = top.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help=_("create the database, load the demo commune, print invite codes"))
    chat = sub.add_parser("chat", help=_("chat in the terminal as a member of a unit, or as a new person"))
    who = chat.add_mutually_exclusive_group(required=True)
    who.add_argument("--as", dest="unit", help=_("unit name (fuzzy-matched)"))
    who.add_argument("--new", action="store_true", help=_("a new, unregistered person (register with an invite code)"))
    chat.add_argument("--role", default="reporter", choices=("reporter", "officer", "leader", "admin"))
    chat.add_argument("--jsonl", action="store_true", help=_("one JSON line in, one JSON line out"))
    run = sub.add_parser("run", help=_("run on Telegram (BOT_TOKEN) or Zalo"))
    run.add_argument("--framework", choices=("aiogram", "ptb"), default="aiogram")
    run.add_argument("--transport", choices=("telegram", "zalo"), default="telegram")
    run.add_argument("--webhook", action="store_true", help=_("serve a webhook instead of polling"))
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``baocao``."""
    args = parser().parse_args(argv)
    settings = Settings.from_env()
    if args.command == "demo":
        return asyncio.run(_demo(settings))
    if args.command == "chat":
        return asyncio.run(_chat(settings, args.unit, args.role, args.jsonl))
    if args.command == "run":
        setup_logging(settings)
        return asyncio.run(_run(settings, args.framework, args.transport, args.webhook))
    handler = getattr(args, "handler", None)
    if handler is None:
        parser().print_help()
        return 2
    result: int = handler(args, settings)
    return result
