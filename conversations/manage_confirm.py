"""Asking an admin “có” or “không” before a change that cannot be taken back in one word.

Removing a member (``/xoa``) and retiring a hamlet (``/nghi``) start this dialog with what will be
done; “có” ends it with a ``ManageChange`` effect that the unit of work applies (``apply_manage``),
anything that means no or stop ends it with nothing changed. “dừng” never confirms, and a bare
“dung” (đúng or dừng?) is asked again, as in the report dialog.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Context, Effect, Outcome, State
from conversations.payloads import read
from conversations.report_intents import is_ambiguous_stop
from conversations.vocabulary import says
from locales.i18n import _
from locales.messages import Button, Reply
from storage.manage import remove_member, retire_hamlet
from storage.people import Member

NAME = "manage_confirm"
YES, NO = "manage:yes", "manage:no"
REMOVE, RETIRE = "member.remove", "hamlet.retire"
ACTIONS = (REMOVE, RETIRE)


@dataclass(frozen=True)
class ConfirmPayload:
    """What waits for “có”: the action, the commune it is done in, the person or hamlet, its name."""

    VERSION: ClassVar[int] = 1

    action: str
    commune_id: int
    target_id: int
    label: str

    def to_json(self) -> dict[str, Any]:
        """The payload as stored (version 1)."""
        return {"action": self.action, "commune_id": self.commune_id, "target_id": self.target_id,
                "label": self.label}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConfirmPayload:
        """Read what ``to_json`` wrote; ``KeyError``/``TypeError``/``ValueError`` on anything else."""
        action = data["action"]
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        return cls(action=action, commune_id=int(data["commune_id"]), target_id=int(data["target_id"]),
                   label=str(data["label"]))


@dataclass(frozen=True)
class ManageChange(Effect):
    """Remove a member from the commune, or retire one of its hamlets (``action``: REMOVE or RETIRE)."""

    action: str
    commune_id: int
    target_id: int


def buttons() -> list[list[Button]]:
    """The two answers as buttons (typing “có”/“không” does the same)."""
    return [[Button(_("Yes"), YES), Button(_("No"), NO)]]


def ask(action: str, commune_id: int, target_id: int, label: str, question: str) -> Outcome:
    """Start the confirmation: ``question`` asked, the change held until the answer."""
    payload = ConfirmPayload(action, commune_id, target_id, label)
    return Outcome([Reply(question, buttons=buttons())], State(NAME, "confirm", payload, ConfirmPayload.VERSION))


class ManageConfirmDialog:
    """One question, “có” or “không”; the change itself is an effect the unit of work applies."""

    name = NAME
    version = ConfirmPayload.VERSION

    async def start(self, ctx: Context, argument: str) -> Outcome:
        """Never started by a word of its own: the commands ``/xoa`` and ``/nghi`` call ``ask``."""
        return Outcome([], None)

    async def step(self, ctx: Context, state: State[Any], answer: str, is_button: bool) -> Outcome:
        """Take “có” (do it), “không”/“dừng”/“hủy” (nothing done), or ask again."""
        data: ConfirmPayload = state.data
        if answer == NO or says(answer, "cancel") or says(answer, "no"):
            if answer != NO and is_ambiguous_stop(answer):
                return Outcome([Reply(_("Type “có” to confirm or “không” to leave it."), buttons=buttons())],
                               state)
            return Outcome([Reply(_("Nothing was changed."))], None)
        if answer == YES or says(answer, "yes"):
            effect = ManageChange(data.action, data.commune_id, data.target_id)
            if data.action == REMOVE:
                done = _("{name} was removed from the commune. Their past reports stay.").format(name=data.label)
            else:
                done = _("{name} is retired: nobody is expected to report for it; its reports stay.").format(
                    name=data.label)
            return Outcome([Reply(done)], None, [effect])
        return Outcome([Reply(_("Type “có” to confirm or “không” to leave it."), buttons=buttons())], state)

    def load(self, step: str, version: int, stored: Mapping[str, Any]) -> State[Any]:
        """The stored confirmation (one version so far)."""
        return State(NAME, step, read(ConfirmPayload.from_json, stored, version, ConfirmPayload.VERSION, {}),
                     ConfirmPayload.VERSION)


def may_change(effect: ManageChange, member: Member | None) -> bool:
    """Only an admin of the commune the change is in may make it (checked again by the unit of work)."""
    return member is not None and member.role == "admin" and member.commune_id == effect.commune_id


async def apply_manage(session: AsyncSession, effect: ManageChange, member: Member, now: dt.datetime,
                       forget: Callable[[str, str], None]) -> None:
    """Perform the confirmed change; ``forget`` drops a removed person's cached membership."""
    if effect.action == REMOVE:
        accounts = await remove_member(session, effect.commune_id, effect.target_id, member.person_id, now)
        for transport, external_id in accounts or []:
            forget(transport, external_id)
        return
    await retire_hamlet(session, effect.commune_id, effect.target_id, member.person_id, now)
