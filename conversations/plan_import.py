"""Importing a plan in chat (admins): send the file, see what was understood, press “Lưu” to save.

The dialog holds the document's text in its payload between the preview and the confirmation; the
save itself is an effect (``SavePlan``) that the dispatcher applies in its unit of work with
``apply_save_plan``. Wiring expected in ``handlers/dispatch.py``: when an admin's message carries a
file, call ``PlanImportDialog().start_with_file(ctx, file.name, file.content)``; in ``_apply``, hand a
``SavePlan`` to ``apply_save_plan``; register the dialog under ``PlanImportDialog.name``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Context, Effect, Outcome, State
from handlers.i18n import _
from handlers.messages import Button, Reply
from handlers.questions.replies import deadline_label
from handlers.vietnamese import fold
from storage.models.units import AGENCY, Unit
from storage.plans import ParsedPlan, parse_plan, save_plan
from storage.plans.document import docx_text

SAVE = "plan_save"
CANCEL = "plan_cancel"
# Telegram caps a message at 4096 characters; the preview leaves room for the buttons' text.
_PREVIEW_LIMIT = 3500
_MAX_BYTES = 5_000_000
_WORDS = Path(__file__).with_name("plan_import.json")


@dataclass(frozen=True)
class SavePlan(Effect):
    """Save the previewed plan under the area ``area_id``."""

    source_name: str
    text: str
    area_id: int


def decode(name: str, content: bytes) -> str | None:
    """The text of a sent file (.docx, or UTF-8 text/Markdown); ``None`` when it is neither."""
    if name.lower().endswith(".docx"):
        try:
            return docx_text(content)
        except Exception:  # a damaged or mislabelled file: say so rather than fail the update
            return None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None


def preview(
    plan: ParsedPlan, bullet: str = "• ", targets: int = 0, unplaced: int = 5, limit: int | None = _PREVIEW_LIMIT
) -> str:
    """What the importer understood: in chat short enough for one message; in full for the CLI."""
    date = f"{plan.issued_on:%d/%m/%Y}" if plan.issued_on else (plan.issued_text or _("(no date)"))
    lines = [
        _("Plan: {number}, issued {date}").format(number=plan.number or _("(no number)"), date=date),
        _("Plan area: {area}").format(area=plan.area_name or "?"),
        _("Units and their tasks:"),
    ]
    for name, c in plan.task_counts().items():
        lines.append(
            bullet
            + _("{name}: {n} (lead {lead}, support {support})").format(
                name=name, n=c["lead"] + c["support"], lead=c["lead"], support=c["support"]
            )
        )
    lines.append(_("Targets: {n}").format(n=len(plan.targets)))
    lines.extend(f"{bullet}{t.indicator[:100]}: {t.value}" for t in plan.targets[:targets])
    lines.append(_("Deadlines: {n}").format(n=len(plan.deadlines)))
    for d in plan.deadlines:
        lines.append(f"{bullet}{deadline_label(d.kind)}: {d.due}")
    lines.append(_("Unplaced paragraphs: {n}").format(n=len(plan.unplaced)))
    for u in plan.unplaced[:unplaced]:
        lines.append(f"{bullet}¶{u.source.paragraph}: {u.text[:80]}")
    text = "\n".join(lines)
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


async def _area_for(session: AsyncSession, plan: ParsedPlan, fallback_id: int | None) -> int | None:
    """The area the plan belongs to: an existing area of that name, else the admin's commune."""
    if plan.area_name:
        query = select(Unit.id).where(Unit.folded_name == fold(plan.area_name), Unit.kind != AGENCY)
        found = (await session.execute(query)).scalars().first()
        if found is not None:
            return int(found)
    return fallback_id


@cache
def _words(meaning: str) -> frozenset[str]:
    """Typed answers meaning ``meaning`` ("save" or "cancel"), from ``plan_import.json``."""
    raw: dict[str, list[str]] = json.loads(_WORDS.read_text(encoding="utf-8"))
    return frozenset(raw[meaning])


def _buttons() -> list[list[Button]]:
    return [[Button(_("Save"), SAVE)], [Button(_("Cancel"), CANCEL)]]


class PlanImportDialog:
    """Preview then save a plan document sent by an admin."""

    name = "plan_import"
    version = 1

    async def start(self, ctx: Context, argument: str) -> Outcome:
        """Without a file there is nothing to import: say how."""
        return Outcome([Reply(_("Send the plan as a file (.docx, .txt or .md) to import it."))], None)

    async def start_with_file(self, ctx: Context, name: str, content: bytes) -> Outcome:
        """Read the file and show the preview with “Save” and “Cancel”."""
        if ctx.member.role != "admin":
            return Outcome([Reply(_("Only an admin can import a plan."))], None)
        text = decode(name, content) if len(content) <= _MAX_BYTES else None
        if not text or not text.strip():
            return Outcome([Reply(_("I cannot read this file. Send a .docx, .txt or .md file."))], None)
        plan = parse_plan(text, name)
        area_id = await _area_for(ctx.session, plan, ctx.member.commune_id)
        if area_id is None:
            return Outcome([Reply(_("I do not know which area this plan belongs to."))], None)
        if not plan.tasks and not plan.targets:
            return Outcome([Reply(_("I found no task and no target in this file; nothing to import."))], None)
        state = State(self.name, "confirm", {"name": name, "text": text, "area_id": area_id}, self.version)
        return Outcome([Reply(preview(plan)), Reply(_("Save this plan?"), buttons=_buttons())], state)

    async def step(self, ctx: Context, state: State, answer: str, is_button: bool) -> Outcome:
        """“Save” stores the plan, “Cancel” drops it; anything else asks again."""
        choice = answer if is_button else fold(answer)
        if choice == SAVE or choice in _words("save"):
            effect = SavePlan(str(state.data["name"]), str(state.data["text"]), int(state.data["area_id"]))
            return Outcome([Reply(_("The plan is saved. Anyone registered can now ask about it."))], None, [effect])
        if choice == CANCEL or choice in _words("cancel"):
            return Outcome([Reply(_("Cancelled. Nothing was saved."))], None)
        return Outcome([Reply(_("Press “Save” to save the plan or “Cancel” to drop it."), buttons=_buttons())], state)


async def apply_save_plan(session: AsyncSession, effect: SavePlan) -> int:
    """Perform ``SavePlan`` inside the caller's unit of work; returns the new plan's id."""
    area = await session.get(Unit, effect.area_id)
    if area is None:
        raise ValueError(f"area {effect.area_id} no longer exists")
    plan = await save_plan(session, parse_plan(effect.text, effect.source_name), area)
    return plan.id
