"""The core's front door: one incoming event in, replies out, each applied exactly once.

For every event: record the update id (a redelivery stops here), take the lock on the sender's
dialog state, find who is writing, route (registration, commands, the current dialog, a question),
apply the dialog's effects, save the state, commit — one transaction. A plain answer inside a
dialog is first tried without the lock (``storage.optimistic_steps``): read, route, then one write
that stores the state and claims the update only if the state did not move; anything else falls
back to the locked transaction. Nothing here knows which transport is used.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from conversations.engine import Context, Dialog, Effect, Outcome, State
from conversations.payloads import PayloadError, PayloadTooNew, PayloadUnreadable
from conversations.plan_import import PlanImportDialog, SavePlan, apply_save_plan
from conversations.report_dialog import ReportDialog, SaveReport
from conversations.report_intents import month_number_in
from conversations.vocabulary import says, starts_with
from handlers.access import may_report
from handlers.help import greeting_reply, help_reply, not_understood, thanks_reply
from handlers.linking import LINK_COMMANDS, link_account, offer_link_code
from handlers.registration import how_to_register, register
from handlers.report_view import view_report
from locales.i18n import DEFAULT_LANGUAGE, _, set_language
from locales.messages import Incoming, Reply
from locales.vietnamese import fold, nfc
from storage import clock
from storage.cache import ConfigCache
from storage.optimistic_steps import LastWrites, OptimisticSteps, Written, optimistic_steps
from storage.people import Member, looks_like_code
from storage.per_update import per_update
from storage.reports import save_report
from storage.units import find_units

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
# (session, incoming, member, now) -> replies, or None when the text is not for it.
TextHandler = Callable[[AsyncSession, Incoming, Member | None, dt.datetime], Awaitable[list[Reply] | None]]
QuestionHandler = Callable[[AsyncSession, str, Member, dt.date], Awaitable[tuple[str, list[Reply]]]]

REPORT_COMMANDS = frozenset({"baocao", "report"})
VIEW_COMMANDS = frozenset({"xem", "view"})
HELP_COMMANDS = frozenset({"help", "giup"})
CANCEL_COMMANDS = frozenset({"huy", "cancel"})
START_REPORT_BUTTON = "report:start"
# "/lienket CODE" from a new account links it; "/start CODE" registers (both accept either code).
START_COMMANDS = frozenset({"start"}) | LINK_COMMANDS


def _is_plain_answer(incoming: Incoming) -> bool:
    """A typed answer or a button press in a private chat: what dialogs consume, step after step."""
    if incoming.chat_type == "group" or incoming.file is not None:
        return False
    return incoming.button is not None or not (incoming.text or "").lstrip().startswith("/")


def utc_now() -> dt.datetime:
    """The program clock (``storage.clock``; tests pass their own)."""
    return clock.now()


def split_command(text: str) -> tuple[str | None, str]:
    """Split ``/cmd@bot arg`` into (``cmd`` folded, ``arg``); (None, text) for plain text."""
    if not text.startswith("/"):
        return None, text
    head, _sep, rest = text[1:].partition(" ")
    return fold(head.split("@", 1)[0]), rest.strip()


class _KeyLocks:
    """In-process locks per (transport, chat, user): SQLite has no row locks, one process may race."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str, str], tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: tuple[str, str, str]) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


@dataclass
class Core:
    """Turns ``Incoming`` events into ``Reply`` lists; built once by the composition root."""

    sessions: async_sessionmaker[AsyncSession]
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    clock: Clock = utc_now
    questions: QuestionHandler | None = None
    group_handler: TextHandler | None = None
    extra_handlers: list[TextHandler] = field(default_factory=list)
    dialogs: Mapping[str, Dialog] = field(
        default_factory=lambda: {"report": ReportDialog(), "plan_import": PlanImportDialog()}
    )
    cache: ConfigCache = field(default_factory=ConfigCache)
    # Answers inside a dialog go through ``storage.optimistic_steps`` first (tests turn it off to
    # exercise the locked path alone).
    optimistic: bool = True
    _optimistic_steps: OptimisticSteps | None = field(default=None, init=False)
    _last_writes: LastWrites = field(default_factory=LastWrites, init=False)
    _locks: _KeyLocks = field(default_factory=_KeyLocks)

    def __post_init__(self) -> None:
        engine = self.sessions.kw.get("bind")
        if self.optimistic and isinstance(engine, AsyncEngine):
            # None where the database has no optimistic path (then every step takes the lock).
            self._optimistic_steps = optimistic_steps(engine)

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Apply one event exactly once and return what to answer (nothing for a redelivery)."""
        key = (incoming.transport, incoming.chat_id, incoming.user_id)
        async with self._locks.hold(key):
            try:
                return await self._handle(incoming)
            except Exception:
                # The update id was not recorded (rolled back): a redelivery will try again.
                log.exception("update %s:%s failed", incoming.transport, incoming.update_id)
                set_language(DEFAULT_LANGUAGE)
                return [Reply(_("Sorry, something went wrong on our side. Nothing you sent was lost; "
                                "please send your last answer again in a moment."))]

    async def _handle(self, incoming: Incoming) -> list[Reply]:
        now = self.clock()
        if _is_plain_answer(incoming):
            replies = await self._optimistic_step(incoming, now)
            if replies is not None:
                return replies
        return await self._locked_step(incoming, now)

    async def _optimistic_step(self, incoming: Incoming, now: dt.datetime) -> list[Reply] | None:
        """Apply an answer inside a dialog from an unlocked read with one conditional write; ``None``
        when the locked path must take it (no dialog, the step reads or writes anything besides the
        dialog state, or the state moved meanwhile)."""
        steps = self._optimistic_steps
        if steps is None:
            return None
        key = (incoming.transport, incoming.chat_id, incoming.user_id)
        seen = self._last_writes.get(key)
        # Without a read, a redelivery is still caught: its write finds the update id claimed.
        if seen is None:
            seen = await steps.read(incoming.transport, incoming.update_id, incoming.chat_id, incoming.user_id)
        self._last_writes.forget(key)
        if seen is None:
            return None
        if seen.applied:
            return self._redelivered(incoming)
        dialog = self.dialogs.get(seen.row.dialog or "")
        if dialog is None or not seen.row.step or seen.row.version != dialog.version:
            return None
        try:
            state = dialog.load(seen.row.step, seen.row.version, seen.row.payload)
        except PayloadError:
            return None
        # Untouched unless a cache misses or the step needs the database: then the step is
        # discarded and the locked path runs it again.
        session = self.sessions()
        try:
            member = await self.cache.member(session, incoming.transport, incoming.user_id)
            if member is None:
                return None
            set_language(member.language)
            outcome = await self._route(session, incoming, member, state, now)
            if outcome.effects or session.in_transaction():
                return None
        finally:
            # A session that was never used holds no connection: nothing to close.
            if session.in_transaction():
                await session.close()
        new = outcome.state
        payload = json.dumps(new.data.to_json() if new else {}, ensure_ascii=False)
        written = await steps.write(incoming.transport, incoming.update_id, seen,
                                    new.dialog if new else None, new.step if new else None,
                                    new.version if new else 1, payload, now)
        if written is Written.SAVED:
            if new is not None:
                self._last_writes.put(key, seen, new.dialog, new.step, new.version, payload)
            return outcome.replies
        if written is Written.DUPLICATE:
            return self._redelivered(incoming)
        return None

    async def _locked_step(self, incoming: Incoming, now: dt.datetime) -> list[Reply]:
        """Claim the update and lock the sender's state for the whole step, in one transaction."""
        self._last_writes.forget((incoming.transport, incoming.chat_id, incoming.user_id))
        async with self.sessions() as session, session.begin():
            statements = await per_update(session)
            if incoming.chat_type == "group":
                if not await statements.claim(incoming.transport, incoming.update_id, now):
                    return self._redelivered(incoming)
                member = await self.cache.member(session, incoming.transport, incoming.user_id)
                set_language(member.language if member else DEFAULT_LANGUAGE)
                if self.group_handler is None:
                    return []
                return await self.group_handler(session, incoming, member, now) or []
            row = await statements.claim_and_lock(incoming.transport, incoming.update_id, incoming.chat_id,
                                                  incoming.user_id, now)
            if row is None:
                return self._redelivered(incoming)
            member = await self.cache.member(session, incoming.transport, incoming.user_id)
            set_language(member.language if member else DEFAULT_LANGUAGE)
            state: State[Any] | None = None
            dialog = self.dialogs.get(row.dialog or "")
            replies: list[Reply] = []
            if dialog is not None and row.step:
                try:
                    state = dialog.load(row.step, row.version, row.payload)
                except PayloadTooNew:
                    return [Reply(_("The bot is being updated. Your unfinished dialog is kept; please send your "
                                    "message again in a few minutes."))]
                except PayloadUnreadable:
                    replies.append(Reply(_("The bot was updated and your unfinished dialog was reset. "
                                           "Please start again.")))
            outcome = await self._route(session, incoming, member, state, now)
            for effect in outcome.effects:
                await self._apply(session, effect, member, now)
            new = outcome.state
            await statements.store(row, new.dialog if new else None, new.step if new else None,
                                   new.version if new else 1, new.data.to_json() if new else {}, now)
            return replies + outcome.replies

    @staticmethod
    def _redelivered(incoming: Incoming) -> list[Reply]:
        log.info("update %s:%s already applied", incoming.transport, incoming.update_id)
        return []

    async def _apply(self, session: AsyncSession, effect: Effect, member: Member | None, now: dt.datetime) -> None:
        if isinstance(effect, SaveReport):
            assert member is not None and may_report(member, effect.unit_id)
            await save_report(session, unit_id=effect.unit_id, set_id=effect.set_id, period=effect.period,
                              values=effect.values, note=effect.note, person_id=member.person_id, now=now)
            return
        if isinstance(effect, SavePlan):
            assert member is not None and member.role == "admin"
            await apply_save_plan(session, effect)
            return
        raise TypeError(f"unknown effect {type(effect).__name__}")

    def _context(self, session: AsyncSession, member: Member, now: dt.datetime) -> Context:
        return Context(session=session, member=member, now=now, timezone=self.timezone, cache=self.cache)

    async def _route(
        self, session: AsyncSession, incoming: Incoming, member: Member | None, state: State[Any] | None,
        now: dt.datetime,
    ) -> Outcome:
        text = nfc(incoming.text or "").strip()
        command, argument = split_command(text)
        if member is None:
            code = argument if command in START_COMMANDS and argument else (text if looks_like_code(text) else "")
            if code:
                self.cache.forget_member(incoming.transport, incoming.user_id)
                return Outcome(await register(session, incoming, code, now), None)
            return Outcome([how_to_register()], None)
        if command == "start" and argument:
            self.cache.forget_member(incoming.transport, incoming.user_id)
            return Outcome(await register(session, incoming, argument, now), state)
        if command in LINK_COMMANDS:
            if argument:
                linked = await link_account(session, incoming, argument, now)
                return Outcome(linked or [Reply(_("The code {code} is not correct. Please check it and send it "
                                                  "again.").format(code=argument))], state)
            return Outcome(await offer_link_code(session, member, now), state)
        if command in CANCEL_COMMANDS:
            return Outcome([Reply(_("Cancelled. Nothing was saved.") if state else _("Nothing to cancel."))], None)
        if command in REPORT_COMMANDS or incoming.button == START_REPORT_BUTTON:
            return await self._start_report(session, member, argument if command else "", now)
        if command in VIEW_COMMANDS:
            return Outcome(await view_report(session, member, argument, self.timezone, now), state)
        if command in HELP_COMMANDS or command == "start":
            return Outcome([help_reply(member)], state)
        if incoming.file is not None:
            importer = PlanImportDialog()
            return await importer.start_with_file(self._context(session, member, now), incoming.file.name,
                                                  incoming.file.content)
        for handler in self.extra_handlers:
            handled = await handler(session, incoming, member, now)
            if handled is not None:
                return Outcome(handled, state)
        if state is not None and command is None:
            dialog = self.dialogs[state.dialog]
            answer = incoming.button if incoming.button is not None else text
            return await dialog.step(self._context(session, member, now), state, answer, incoming.button is not None)
        if command is not None:
            return Outcome([help_reply(member)], state)
        if not text and incoming.button and " " in incoming.button:
            # Answers to questions carry their follow-up as words ("chi tiết Công an xã"): pressing the
            # button is typing them. Internal data of an ended dialog ("confirm") is not words.
            text = incoming.button
        return await self._free_text(session, member, text, now)

    async def _start_report(self, session: AsyncSession, member: Member, argument: str, now: dt.datetime) -> Outcome:
        if argument:
            matches = await find_units(session, argument, kinds=("hamlet", "agency"))
            if matches and all(not may_report(member, unit.id) for unit in matches):
                return Outcome([Reply(_("You can only file the report of {unit}.").format(unit=member.unit_name))],
                               None)
        return await self.dialogs["report"].start(self._context(session, member, now), argument)

    async def _free_text(self, session: AsyncSession, member: Member, text: str, now: dt.datetime) -> Outcome:
        if says(text, "start_report"):
            return await self._start_report(session, member, "", now)
        month = starts_with(text, "start_report")
        if month and month_number_in(month):  # "báo cáo tháng 11": that month, no picker
            return await self._start_report(session, member, month, now)
        if says(text, "greeting"):
            return Outcome([greeting_reply(member)], None)
        if says(text, "thanks") or says(text, "ack"):
            return Outcome([thanks_reply()], None)
        if says(text, "view_report"):
            return Outcome(await view_report(session, member, "", self.timezone, now), None)
        if says(text, "help"):
            return Outcome([help_reply(member)], None)
        if says(text, "cancel"):
            return Outcome([Reply(_("Nothing to cancel."))], None)
        if self.questions is not None and text:
            intent, replies = await self.questions(session, text, member, now.astimezone(self.timezone).date())
            if intent == "start_report":
                return await self._start_report(session, member, "", now)
            return Outcome(replies, None)
        return Outcome([not_understood()], None)
