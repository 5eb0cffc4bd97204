"""The core's front door and its unit of work: one incoming event in, replies out, applied exactly once.

For every event: record the update id (a redelivery stops here), take the lock on the sender's
dialog state, find who is writing, route (``handlers.router``: registration, the command table, the
current dialog, a question), check and apply the dialog's effects (one the sender may not perform
is refused, logged and told, never half applied), save the state, commit — one transaction. A
plain answer inside a dialog is first tried without the lock (``storage.optimistic_steps``): read, route, then one write
that stores the state and claims the update only if the state did not move; anything else falls
back to the locked transaction. Nothing here knows which transport is used.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from conversations.engine import Dialog, Effect, Outcome, State
from conversations.indicator_import import (
    IndicatorImportDialog,
    SaveIndicatorSet,
    apply_save_indicator_set,
    may_save,
)
from conversations.manage_confirm import ManageChange, ManageConfirmDialog, apply_manage, may_change
from conversations.payloads import PayloadError, PayloadTooNew, PayloadUnreadable
from conversations.plan_import import PlanImportDialog, SavePlan, apply_save_plan
from conversations.report_dialog import ReportDialog, SaveReport
from conversations.units_import import SaveUnits, UnitsImportDialog, apply_save_units
from handlers.access import may_report
from handlers.keyed_lock import KeyedLock
from handlers.router import QuestionHandler, Router, TextHandler
from locales.i18n import DEFAULT_LANGUAGE, _, set_language
from locales.messages import Incoming, Reply
from storage import clock
from storage.cache import ConfigCache
from storage.optimistic_steps import LastWrites, OptimisticSteps, Written, optimistic_steps
from storage.people import Member
from storage.per_update import per_update
from storage.reports import save_report

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
__all__ = ["Clock", "Core", "EffectRefused", "QuestionHandler", "TextHandler", "authorize", "utc_now"]


def _is_plain_answer(incoming: Incoming) -> bool:
    """A typed answer or a button press in a private chat: what dialogs consume, step after step."""
    if incoming.chat_type == "group" or incoming.file is not None:
        return False
    return incoming.button is not None or not (incoming.text or "").lstrip().startswith("/")


def utc_now() -> dt.datetime:
    """The program clock (``storage.clock``; tests pass their own)."""
    return clock.now()


class EffectRefused(Exception):
    """An effect the sender may not perform: nothing of the step is applied, the sender is told why."""

    def __init__(self, effect: Effect, reason: str) -> None:
        super().__init__(f"{type(effect).__name__} refused: {reason}")
        self.effect = effect
        self.reason = reason

    def reply(self) -> Reply:
        """What the sender reads (in their language)."""
        if isinstance(self.effect, SavePlan):
            return Reply(_("Nothing was saved: only a commune administrator can import a plan."))
        if isinstance(self.effect, SaveUnits):
            return Reply(_("Nothing was saved: only the administrator of this commune can import its hamlet list."))
        if isinstance(self.effect, ManageChange):
            return Reply(_("Nothing was changed: only an administrator of this commune can do that."))
        if isinstance(self.effect, SaveIndicatorSet):
            return Reply(_("Nothing was saved: only an administrator of this area can change its indicator set."))
        return Reply(_("Nothing was saved: you can only file the report of your own unit."))


def authorize(effect: Effect, member: Member | None) -> None:
    """Raise ``EffectRefused`` unless ``member`` may perform ``effect`` (checked again here, whatever a
    dialog decided: a dialog only asks, the unit of work writes)."""
    if isinstance(effect, SaveReport):
        if member is None or not may_report(member, effect.unit_id):
            raise EffectRefused(effect, f"not the reporter of unit {effect.unit_id}")
        return
    if isinstance(effect, SavePlan):
        if member is None or member.role != "admin":
            raise EffectRefused(effect, "not an admin")
        return
    if isinstance(effect, SaveUnits):
        if member is None or member.role != "admin" or member.commune_id != effect.commune_id:
            raise EffectRefused(effect, f"not the admin of commune {effect.commune_id}")
        return
    if isinstance(effect, ManageChange):
        if not may_change(effect, member):
            raise EffectRefused(effect, f"not an admin of commune {effect.commune_id}")
        return
    if isinstance(effect, SaveIndicatorSet):
        if not may_save(effect, member):
            raise EffectRefused(effect, f"not an admin of area {effect.area_id}")
        return
    raise TypeError(f"unknown effect {type(effect).__name__}")


@dataclass
class Core:
    """Turns ``Incoming`` events into ``Reply`` lists; built once by the composition root."""

    sessions: async_sessionmaker[AsyncSession]
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    clock: Clock = utc_now
    questions: QuestionHandler | None = None
    # Free-text handlers that are not commands (questions about reports): the router tries them
    # before the dialog and the plan questions. Commands are entries of handlers/command_table.py.
    extra_handlers: list[TextHandler] = field(default_factory=list)
    dialogs: Mapping[str, Dialog] = field(
        default_factory=lambda: {"report": ReportDialog(), "plan_import": PlanImportDialog(),
                                 "units_import": UnitsImportDialog(), "manage_confirm": ManageConfirmDialog(),
                                 "indicator_import": IndicatorImportDialog()}
    )
    cache: ConfigCache = field(default_factory=ConfigCache)
    # Answers inside a dialog go through ``storage.optimistic_steps`` first (tests turn it off to
    # exercise the locked path alone).
    optimistic: bool = True
    _optimistic_steps: OptimisticSteps | None = field(default=None, init=False)
    _last_writes: LastWrites = field(default_factory=LastWrites, init=False)
    # In-process locks per (transport, chat, user): SQLite has no row locks, one process may race.
    _locks: KeyedLock[tuple[str, str, str]] = field(default_factory=KeyedLock, init=False)
    _router: Router = field(init=False)

    def __post_init__(self) -> None:
        self._router = Router(dialogs=self.dialogs, timezone=self.timezone, cache=self.cache,
                              questions=self.questions, text_handlers=self.extra_handlers)
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
        # Without a read, a redelivery is still caught: its write finds the update id claimed.
        last = self._last_writes.take(key)
        seen, written_state = last if last is not None else (None, None)
        if seen is None:
            seen = await steps.read(incoming.transport, incoming.update_id, incoming.chat_id, incoming.user_id)
        if seen is None:
            return None
        if seen.applied:
            return self._redelivered(incoming)
        dialog = self.dialogs.get(seen.row.dialog or "")
        if dialog is None or not seen.row.step or seen.row.version != dialog.version:
            return None
        if isinstance(written_state, State) and written_state.dialog == seen.row.dialog:
            state = written_state  # what this process wrote last step: no need to decode it again
        else:
            try:
                state = dialog.load(seen.row.step, seen.row.version, seen.row.payload)
            except PayloadError:
                return None  # the locked path tells the user what became of the dialog
        # Untouched unless a cache misses or the step needs the database: then the step is
        # discarded and the locked path runs it again.
        session = self.sessions()
        try:
            member = await self.cache.member(session, incoming.transport, incoming.user_id)
            if member is None:
                return None
            set_language(member.language)
            outcome = await self._router.route(session, incoming, member, state, now)
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
                self._last_writes.put(key, seen, new.dialog, new.step, new.version, payload, new)
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
                return await self._router.route_group(session, incoming, member, now)
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
                    # Written by a newer bot during an upgrade: kept as it is, for that bot to resume.
                    return [Reply(_("The bot is being updated. Your unfinished dialog is kept; please send your "
                                    "message again in a few minutes."))]
                except PayloadUnreadable:
                    log.warning("a stored %s dialog (version %s) is unreadable: dropped", row.dialog, row.version,
                                exc_info=True)
                    replies.append(Reply(_("The bot was updated and your unfinished dialog was reset. "
                                           "Please start again.")))
            outcome = await self._router.route(session, incoming, member, state, now)
            try:
                for effect in outcome.effects:
                    authorize(effect, member)
            except EffectRefused as refused:
                # Never an assert: a refused effect ends the dialog with a reply and a log line.
                log.warning("update %s:%s: %s", incoming.transport, incoming.update_id, refused)
                outcome = Outcome([refused.reply()], None)
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
        """Perform one effect ``authorize`` has let through."""
        if isinstance(effect, SaveReport) and member is not None:
            await save_report(session, unit_id=effect.unit_id, set_id=effect.set_id, period=effect.period,
                              values=effect.values, note=effect.note, person_id=member.person_id, now=now,
                              reasons=effect.reasons)
            return
        if isinstance(effect, SavePlan):
            await apply_save_plan(session, effect)
            return
        if isinstance(effect, SaveUnits):
            await apply_save_units(session, effect, member.person_id if member else None, now)
            return
        if isinstance(effect, ManageChange) and member is not None:
            await apply_manage(session, effect, member, now, self.cache.forget_member)
            return
        if isinstance(effect, SaveIndicatorSet):
            await apply_save_indicator_set(session, effect, member.person_id if member else None, now)
            self.cache.clear()  # the next report asks the new version here at once (elsewhere within the TTL)
            return
        raise TypeError(f"unknown effect {type(effect).__name__}")
