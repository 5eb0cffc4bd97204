"""What goes on a commune's invite cards: one per hamlet, one per commune role, each with an open code.

A hamlet's card registers its reporter; the commune's leader card binds to the commune itself; the
officer and admin cards bind to the commune police (Công an xã), the programme's standing agency.
An open code (unused, unexpired) is reused, so printing the cards twice prints the same codes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.registration import role_name
from locales.i18n import _, fmt_date
from locales.vietnamese import fold
from storage.calendar import local
from storage.commune_report import names_commune_police
from storage.invites import open_or_new_invite, revoke_open_invites
from storage.models import Unit
from storage.units import best_matches, find_units

SUGGESTION_CUTOFF = 50
SUGGESTIONS = 3
# Renewing revokes a code that people may be holding: a near miss ("xom khong co" ~ "xom cho" at 85) must
# not revoke another hamlet's, so the bar is higher than for reading.
RENEW_CUTOFF = 90


class InviteCardError(Exception):
    """A commune or unit name that names nothing (or several things); the message says what to type."""


@dataclass(frozen=True)
class InviteCard:
    """One printed card: who it registers, with which code, until when, and the link its QR code holds."""

    unit: str
    role: str
    code: str
    expires_at: dt.datetime
    link: str

    @property
    def role_label(self) -> str:
        """The role as the card names it, capitalised ("Người báo cáo")."""
        label = role_name(self.role)
        return label[:1].upper() + label[1:]

    @property
    def expires_label(self) -> str:
        """The date the code stops working, dd/mm/yyyy in Vietnam time."""
        return fmt_date(local(self.expires_at).date())

    def as_json(self) -> dict[str, str]:
        """The card as ``baocao invites --json`` prints it."""
        return {"unit": self.unit, "role": self.role, "code": self.code,
                "expires": local(self.expires_at).isoformat(timespec="minutes"), "link": self.link}


def deep_link(bot_username: str, code: str) -> str:
    """The Telegram link that opens the bot and sends ``/start <code>`` with one tap."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


def _suggest(name: str, candidates: list[Unit]) -> list[str]:
    """The names closest to ``name`` (for an error message), best first."""
    scored = process.extract(fold(name), [u.folded_name for u in candidates], scorer=fuzz.WRatio,
                             score_cutoff=SUGGESTION_CUTOFF, limit=SUGGESTIONS)
    return [candidates[index].name for _, _, index in scored]


async def find_commune(session: AsyncSession, name: str) -> Unit:
    """The commune named ``name`` (typed with or without diacritics); an error with suggestions otherwise."""
    matches = await find_units(session, name, kinds=("commune",))
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise InviteCardError(_("“{name}” matches several communes: {names}. Type the full name.").format(
            name=name, names=", ".join(u.name for u in matches)))
    communes = list((await session.execute(select(Unit).where(Unit.kind == "commune").order_by(Unit.name)))
                    .scalars())
    suggestions = _suggest(name, communes) or [u.name for u in communes[:SUGGESTIONS]]
    if not suggestions:
        raise InviteCardError(_("No commune “{name}” in the database: import the commune's hamlets first.")
                              .format(name=name))
    raise InviteCardError(_("No commune matches “{name}”. Did you mean: {names}?").format(
        name=name, names=", ".join(suggestions)))


def _is_police(unit: Unit) -> bool:
    """Tell whether an agency is the commune police ("Công an xã", "CA phường"…)."""
    return names_commune_police(unit.name)


async def card_holders(session: AsyncSession, commune: Unit) -> list[tuple[Unit, str]]:
    """Each (unit, role) that gets a card: the hamlets' reporters, then the commune's leader, officer, admin."""
    # A retired hamlet (merged, dissolved) keeps its reports but registers nobody new.
    in_use = list((await session.execute(
        select(Unit).where(Unit.parent_id == commune.id, Unit.kind.in_(("hamlet", "agency")),
                           Unit.retired_at.is_(None)).order_by(Unit.id)
    )).scalars())
    holders = [(u, "reporter") for u in in_use if u.kind == "hamlet"]
    holders.append((commune, "leader"))
    police = next((u for u in in_use if u.kind == "agency" and _is_police(u)), None)
    if police is not None:
        holders += [(police, "officer"), (police, "admin")]
    else:
        # No commune police in the data yet: the admin is bound to the commune itself.
        holders.append((commune, "admin"))
    return holders


async def renew(session: AsyncSession, commune: Unit, name: str, now: dt.datetime) -> tuple[Unit, list[str]]:
    """Revoke the open codes of the card holder named ``name``; the next cards get new ones."""
    holders = await card_holders(session, commune)
    units = list({u.id: u for u, _role in holders}.values())
    matches = best_matches(name, units, cutoff=RENEW_CUTOFF)
    if len(matches) != 1:
        names = [u.name for u in matches] or _suggest(name, units) or [u.name for u in units[:SUGGESTIONS]]
        raise InviteCardError(_("No single unit of {commune} matches “{name}”. Did you mean: {names}?").format(
            commune=commune.name, name=name, names=", ".join(names)))
    unit = matches[0]
    roles = [role for u, role in holders if u.id == unit.id]
    return unit, await revoke_open_invites(session, unit.id, now, roles)


async def invite_cards(session: AsyncSession, commune: Unit, bot_username: str, now: dt.datetime) -> list[InviteCard]:
    """Build the commune's cards, reusing each holder's open code or creating one."""
    cards = []
    for unit, role in await card_holders(session, commune):
        invite = await open_or_new_invite(session, unit.id, role, now)
        cards.append(InviteCard(unit=unit.name, role=role, code=invite.code, expires_at=invite.expires_at,
                                link=deep_link(bot_username, invite.code)))
    return cards
