"""CLI: ``baocao invites`` prints a commune's invite cards (PDF, Word, JSON or a list) and renews codes.

Registered by ``bot.cli`` through ``COMMAND_MODULES``; also runnable alone as ``python -m bot.cli_invites``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from handlers.invite_cards import InviteCard, InviteCardError, find_commune, invite_cards, renew
from handlers.invite_print import cards_docx, cards_pdf
from locales.i18n import _, current_language, set_language
from storage import clock
from storage.db import create_engine, session_factory
from storage.invites import INVITE_DAYS
from storage.migrate import upgrade

# The cards are handed to hamlet officials: printed in Vietnamese whatever the operator's language.
CARD_LANGUAGE = "vi"


async def run_invites(engine: AsyncEngine, args: argparse.Namespace, settings: Settings) -> int:
    """Print or write the commune's cards (renewing first what --renew names); 1 on a name that names nothing."""
    now = clock.now()
    renewed: list[tuple[str, list[str]]] = []
    try:
        # One transaction: an unknown --renew name revokes nothing and issues nothing.
        async with session_factory(engine)() as session, session.begin():
            commune = await find_commune(session, args.commune)
            for name in args.renew or []:
                unit, revoked = await renew(session, commune, name, now)
                renewed.append((unit.name, revoked))
            cards = await invite_cards(session, commune, settings.telegram_bot_username, now)
    except InviteCardError as error:
        print(error, file=sys.stderr)
        return 1
    for unit_name, revoked in renewed:
        print(_("{unit}: revoked {codes}; the cards below carry the new code.").format(
            unit=unit_name, codes=", ".join(revoked) or _("no open code")), file=sys.stderr)
    _write(cards, args)
    if args.json:
        for card in cards:
            print(json.dumps(card.as_json(), ensure_ascii=False))
    elif not (args.docx or args.pdf):
        for card in cards:
            print(f"{card.unit}\t{card.role_label}\t{card.code}\t{card.expires_label}\t{card.link}")
    return 0


def _write(cards: list[InviteCard], args: argparse.Namespace) -> None:
    """Write the PDF and Word files asked for, their words in the cards' language."""
    operator = current_language()
    set_language(CARD_LANGUAGE)
    try:
        if args.pdf:
            Path(args.pdf).write_bytes(cards_pdf(cards))
        if args.docx:
            Path(args.docx).write_bytes(cards_docx(cards))
    finally:
        set_language(operator)
    for path in (args.pdf, args.docx):
        if path:
            print(_("{count} cards written to {path}.").format(count=len(cards), path=path), file=sys.stderr)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    async def go() -> int:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
            set_language(settings.language)
            return await run_invites(engine, args, settings)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``invites`` to the ``baocao`` command line."""
    invites = subparsers.add_parser(
        "invites", help=_("a commune's invite cards: one per hamlet and per commune role, with QR codes"),
        description=_("One invite card per hamlet (its reporter) and per commune role (leader, officer, "
                      "admin): unit, role, code, validity, a QR code of the Telegram link and how to register "
                      "on Zalo. A code is used once and lasts {days} days; printing again reuses the open "
                      "codes.").format(days=INVITE_DAYS))
    invites.add_argument("--commune", required=True, help=_("the commune's name (diacritics optional)"))
    invites.add_argument("--pdf", metavar="FILE", help=_("write the cards to FILE as a PDF (A4, 8 a page)"))
    invites.add_argument("--docx", metavar="FILE", help=_("write the cards to FILE as a Word document"))
    invites.add_argument("--json", action="store_true",
                         help=_("print one JSON object a card: unit, role, code, expires, link"))
    invites.add_argument("--renew", metavar="UNIT", action="append",
                         help=_("revoke the unit's open codes and issue new ones (repeatable)"))
    invites.set_defaults(handler=_run)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the invite cards alone (``python -m bot.cli_invites``)."""
    top = argparse.ArgumentParser(prog="baocao")
    register(top.add_subparsers(dest="command", required=True))
    args = top.parse_args(argv)
    result: int = args.handler(args, Settings.from_env())
    return result


if __name__ == "__main__":
    sys.exit(main())
