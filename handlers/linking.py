"""One person on Telegram and Zalo: ``/lienket`` gives a code on one, the code links the other.

Only accounts on different messengers are linked (a Telegram code is typed on Zalo, and the other
way round), and only when the original account agrees: the code typed on the new account sends the
original one a question, and its "có" makes the link ("không" or "dừng" voids the code). The
question is an outbox row (``dedupe_key`` ``link:<code id>:<new account>>…``): the record of what was
asked, found again when the original account answers, so no other table is needed. The command
itself (its words, who may use it) is an entry of ``handlers.command_table``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.vocabulary import says
from handlers.reminders import language
from locales.i18n import _
from locales.messages import Incoming, Reply
from locales.vietnamese import visible
from storage.models import LinkCode, OutboxMessage, Person
from storage.people import (
    CodeProblem,
    Member,
    create_link_code,
    find_member,
    identities_of,
    link_identity,
    usable_link_code,
    void_link_code,
)

LINK_CODE_MINUTES = 30
_PENDING = "link:"
_KEY = re.compile(r"^link:(\d+):([^:]+):(.+)>[^>]*$")
log = logging.getLogger(__name__)


def messenger_name(transport: str) -> str:
    """A transport as people name it."""
    return {"telegram": "Telegram", "zalo": "Zalo"}.get(transport, transport.capitalize())


async def offer_link_code(session: AsyncSession, member: Member, now: dt.datetime) -> list[Reply]:
    """Give a registered member a code to send from their account on the other messenger."""
    code = await create_link_code(session, member.person_id, now, dt.timedelta(minutes=LINK_CODE_MINUTES))
    return [Reply(_("Your link code is {code} (valid for {minutes} minutes). On the other messenger (Zalo or "
                    "Telegram), send “/lienket {code}” to this bot: both accounts will be you.").format(
        code=code, minutes=LINK_CODE_MINUTES))]


def _push(session: AsyncSession, transport: str, chat_id: str, text: str, key: str, now: dt.datetime) -> None:
    """Queue a private message to an account of another messenger (the sender delivers it)."""
    session.add(OutboxMessage(transport=transport, chat_id=chat_id, chat_type="private", text=text,
                              dedupe_key=key[:200], created_at=now, available_at=now, attempts=0))


async def link_account(session: AsyncSession, incoming: Incoming, code: str, now: dt.datetime) -> list[Reply] | None:
    """Ask the code's owner to confirm linking the sender's account; ``None`` when ``code`` is no link code."""
    link = await usable_link_code(session, code, now)
    if link is CodeProblem.UNKNOWN:
        return None
    if link is CodeProblem.USED:
        return [Reply(_("The code {code} has already been used. Please ask the commune police for a new one.")
                      .format(code=code))]
    if isinstance(link, CodeProblem):
        return [Reply(_("The link code {code} has expired. Send /lienket again on your other account.")
                      .format(code=code))]
    owners = await identities_of(session, link.person_id)
    if any(owner.transport == incoming.transport for owner in owners):
        # The messenger is not named: the same words on either (the golden transcripts play on both).
        return [Reply(_("A link code joins accounts on two different messengers: type it on the other one (on "
                        "Zalo for a code asked on Telegram, and the other way round). This account is on the same "
                        "messenger as the code, so it cannot use it."))]
    if await find_member(session, incoming.transport, incoming.user_id) is not None:
        return [Reply(_("This account is already registered."))]
    asked = await session.scalar(select(OutboxMessage.dedupe_key).where(
        OutboxMessage.dedupe_key.like(f"{_PENDING}{link.id}:%")).limit(1))
    if asked is not None:
        return [Reply(_("The code {code} has already been used. Please ask the commune police for a new one.")
                      .format(code=code))]
    person = await session.get(Person, link.person_id)
    new = messenger_name(incoming.transport)
    name = visible(incoming.user_name or "").strip()[:60] or "?"  # a name as the messenger gives it
    for owner in owners:
        with language(person.language if person is not None else "vi"):
            text = _("A {messenger} account (“{name}”) has just typed your link code. Is that you, comrade? "
                     "Reply “có” to link it to this account, or “không” to refuse.").format(messenger=new, name=name)
        _push(session, owner.transport, owner.external_id, text,
              f"{_PENDING}{link.id}:{incoming.transport}:{incoming.user_id}>{owner.transport}", now)
    await session.flush()
    log.info("link requested from %s:%s for person %s", incoming.transport, incoming.user_id, link.person_id)
    others = ", ".join(sorted({messenger_name(owner.transport) for owner in owners}))
    return [Reply(_("I have asked your {messenger} account to confirm. Reply “có” there (within {minutes} "
                    "minutes) and this account will be linked.").format(messenger=others,
                                                                         minutes=LINK_CODE_MINUTES))]


def link_answer(text: str) -> bool | None:
    """True for a yes ("có", "co", "đúng"), False for a no ("không", "dừng"), None for anything else."""
    if any(ch.isdigit() for ch in text):
        return None  # "1" is a yes elsewhere, here it is a figure of a report being typed
    yes = says(text, "yes")
    no = says(text, "no") or says(text, "cancel")
    if yes == no:
        return None  # neither, or "dung" without marks: "đúng" or "dừng"
    return yes


async def answer_link_request(session: AsyncSession, incoming: Incoming, member: Member, text: str,
                              now: dt.datetime) -> list[Reply] | None:
    """The original account's yes or no to a link request; ``None`` when none is waiting or ``text`` is neither."""
    meaning = link_answer(text)
    if meaning is None:
        return None
    # An open link code of this person (indexed, and rare) before the outbox is searched at all.
    open_ids = list((await session.execute(select(LinkCode.id).where(
        LinkCode.person_id == member.person_id, LinkCode.used_at.is_(None), LinkCode.expires_at > now))).scalars())
    if not open_ids:
        return None
    key = await session.scalar(
        select(OutboxMessage.dedupe_key).where(
            OutboxMessage.transport == incoming.transport, OutboxMessage.chat_id == incoming.user_id,
            or_(*(OutboxMessage.dedupe_key.like(f"{_PENDING}{link_id}:%") for link_id in open_ids)),
        ).order_by(OutboxMessage.id.desc()).limit(1))
    found = _KEY.match(key or "")
    if found is None:
        return None
    link = await session.get(LinkCode, int(found.group(1)))
    if link is None or link.person_id != member.person_id or link.used_at is not None or link.expires_at <= now:
        return None
    transport, external_id = found.group(2), found.group(3)
    messenger = messenger_name(transport)
    if not meaning:
        await void_link_code(session, link.id, now)
        _push(session, transport, external_id, _("The owner of the code refused: this account is not linked."),
              f"link-refused:{link.id}", now)
        log.info("link refused by person %s for %s:%s", member.person_id, transport, external_id)
        return [Reply(_("Refused: the {messenger} account is not linked, and the code no longer works.")
                      .format(messenger=messenger))]
    outcome = await link_identity(session, link.id, transport, external_id, now)
    if isinstance(outcome, CodeProblem):
        return [Reply(_("The {messenger} account has registered on its own meanwhile: it cannot be linked.")
                      .format(messenger=messenger))]
    _push(session, transport, external_id,
          _("Linked: this account and your {messenger} one are the same person ({unit}).").format(
              messenger=messenger_name(incoming.transport), unit=member.unit_name),
          f"link-done:{link.id}", now)
    log.info("linked %s:%s to person %s", transport, external_id, member.person_id)
    return [Reply(_("Linked: this account and your other one are the same person ({unit}).").format(
        unit=member.unit_name))]
