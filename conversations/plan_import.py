"""Importing a plan in chat (admins): send the file, see what was understood, press “Lưu” to save.

Reading and parsing the file is CPU work: it runs in a worker thread, never on the event loop, and
files over the limits of ``storage.plans.document`` (a .docx that unpacks to more than 20 MB, text
longer than 200,000 characters) are refused with a message that says so. Between the preview and
the confirmation the dialog holds what was understood (the parsed plan, what the save writes), not
the document's text; the save itself is an effect (``SavePlan``) that the dispatcher applies in its
unit of work with ``apply_save_plan``. Wiring expected in ``handlers/dispatch.py``: when an admin's message carries a
file, call ``PlanImportDialog().start_with_file(ctx, file.name, file.content)``; in ``_apply``, hand a
``SavePlan`` to ``apply_save_plan``; register the dialog under ``PlanImportDialog.name``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import types
import typing
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Context, Effect, Outcome, State
from conversations.payloads import Json, Migration, PayloadUnreadable, read
from locales.i18n import _, fmt_number
from locales.messages import Button, Reply
from locales.vietnamese import fold, visible
from storage.calendar import deadline_label
from storage.models.units import AGENCY, Unit
from storage.plans import ParsedPlan, parse_plan, save_plan
from storage.plans.document import MAX_FILE_BYTES, TooLarge, check_text, docx_text
from storage.plans.vocabulary import vocabulary as plan_vocabulary

SAVE = "plan_save"
CANCEL = "plan_cancel"
# Telegram caps a message at 4096 characters; the preview leaves room for the buttons' text.
_PREVIEW_LIMIT = 3500
_WORDS = Path(__file__).with_name("plan_import.json")


@dataclass(frozen=True)
class PlanImportPayload:
    """A previewed import waiting for “Save”: the file's name, the parsed plan (``plan_to_json``) and
    the area it goes under. Version 1 held the document's whole text instead of the parsed plan."""

    VERSION: ClassVar[int] = 2

    name: str
    plan: dict[str, Any]
    area_id: int

    def to_json(self) -> dict[str, Any]:
        """The payload as stored (version 2)."""
        return {"name": self.name, "plan": self.plan, "area_id": self.area_id}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlanImportPayload:
        """Read what ``to_json`` wrote; ``KeyError``/``TypeError``/``ValueError`` on anything else."""
        name, plan = data["name"], data["plan"]
        if not isinstance(name, str) or not isinstance(plan, dict):
            raise TypeError("a plan import payload needs a name and a plan")
        return cls(name=name, plan=plan, area_id=int(data["area_id"]))

    @classmethod
    def load(cls, stored: Mapping[str, Any], version: int) -> PlanImportPayload:
        """A stored payload of any version this bot knows, upgraded (``conversations.payloads``)."""
        return read(cls.from_json, stored, version, cls.VERSION, _MIGRATIONS)


def _from_v1(data: Json) -> Json:
    """Version 1 → 2: parse the text held (an import left pending across the upgrade still saves)."""
    name = str(data["name"])
    return {"name": name, "plan": plan_to_json(parse_plan(str(data["text"]), name)), "area_id": data["area_id"]}


# Keyed by the version each migration reads.
_MIGRATIONS: Mapping[int, Migration] = {1: _from_v1}


@dataclass(frozen=True)
class SavePlan(Effect):
    """Save the previewed plan (``plan``: ``plan_to_json``) under the area ``area_id``."""

    source_name: str
    plan: dict[str, Any]
    area_id: int


def decode(name: str, content: bytes) -> str | None:
    """The text of a sent file (.docx, or UTF-8 text/Markdown); ``None`` when it is neither.

    Raises ``TooLarge`` over the limits. CPU-bound: ``read_file`` runs it in a worker thread."""
    if len(content) > MAX_FILE_BYTES:
        raise TooLarge("file", len(content), MAX_FILE_BYTES)
    if name.lower().endswith(".docx"):
        try:
            return docx_text(content)
        except TooLarge:
            raise
        except (zipfile.BadZipFile, ValueError, KeyError, OSError, SyntaxError):
            return None  # a damaged or mislabelled file: say so rather than fail the update
    try:
        return check_text(content.decode("utf-8"))
    except UnicodeDecodeError:
        return None


def _read(name: str, content: bytes) -> ParsedPlan | None:
    text = decode(name, content)
    if not text or not text.strip():
        return None
    return parse_plan(text, name)


async def read_file(name: str, content: bytes) -> ParsedPlan | None:
    """Decode and parse a sent file in a worker thread, so other users' updates go on meanwhile;
    ``None`` when it is unreadable, ``TooLarge`` over the limits."""
    return await asyncio.to_thread(_read, name, content)


def too_large(error: TooLarge) -> str:
    """Tell the user, in their language, which limit the file is over."""
    if error.what == "text":
        return _("The file is too large: {size} characters of text; a plan may have at most {limit}. "
                 "Send the plan without its appendices, or split it.").format(
            size=fmt_number(error.size), limit=fmt_number(error.limit))
    if error.what == "unpacked":
        return _("The file is too large: it unpacks to {size} MB; a plan may unpack to at most {limit} MB. "
                 "Save it again without pictures, or send it as .txt.").format(
            size=fmt_number(round(error.size / 1_000_000, 1)), limit=fmt_number(round(error.limit / 1_000_000, 1)))
    return _("The file is too large: a plan file may have at most {limit} MB.").format(
        limit=fmt_number(round(error.limit / 1_000_000, 1)))


def plan_to_json(plan: ParsedPlan) -> dict[str, Any]:
    """The parsed plan as JSON-able data (dates as ISO text), for the dialog's payload."""
    data: dict[str, Any] = json.loads(json.dumps(dataclasses.asdict(plan), default=str))
    return data


def _rebuild(kind: Any, value: Any) -> Any:
    """Rebuild a value of type ``kind`` (dataclasses, lists, dicts, dates, optionals) from JSON data."""
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        return _rebuild(next(a for a in typing.get_args(kind) if a is not type(None)), value)
    if origin is list:
        return [_rebuild(typing.get_args(kind)[0], v) for v in value]
    if origin is dict:
        return {k: _rebuild(typing.get_args(kind)[1], v) for k, v in value.items()}
    if kind is dt.date:
        return dt.date.fromisoformat(value)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(**{f.name: _rebuild(hints[f.name], value[f.name])  # type: ignore[operator]
                       for f in dataclasses.fields(kind) if f.init and f.name in value})
    return value


def plan_from_json(data: dict[str, Any]) -> ParsedPlan:
    """The ``ParsedPlan`` that ``plan_to_json`` wrote."""
    plan: ParsedPlan = _rebuild(ParsedPlan, data)
    return plan


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


def _bare(name: str) -> str:
    """An area's name folded, without the word of its kind ("Xã Nà Khuông" and "xa Na Khuong" → "na khuong")."""
    folded = fold(name).strip()
    for word in sorted(plan_vocabulary().area_kinds, key=len, reverse=True):
        if folded.startswith(word + " "):
            return folded[len(word) + 1:].strip()
    return folded


async def outside_commune(session: AsyncSession, plan: ParsedPlan, area_id: int | None,
                          commune_id: int | None) -> str | None:
    """Why an admin of ``commune_id`` may not import this plan (its heading names another commune, or an
    area their commune is not in); ``None`` when it is theirs or an area above their commune."""
    own = await session.get(Unit, commune_id) if commune_id is not None else None
    if own is None:
        return None  # an admin of no commune (a province's) is not bound to one
    other: str | None = None
    if plan.area_kind == "commune" and plan.area_name and _bare(plan.area_name) != _bare(own.name):
        other = plan.area_name
    elif area_id is not None and area_id != own.id:
        above: set[int] = set()
        parent = own.parent_id
        while parent is not None and parent not in above:
            above.add(parent)
            unit = await session.get(Unit, parent)
            parent = unit.parent_id if unit is not None else None
        if area_id not in above:
            area = await session.get(Unit, area_id)
            other = area.name if area is not None else plan.area_name
    if other is None:
        return None
    return _("Nothing was saved: this plan is of {area}, not of {commune}. You can only import the plans of "
             "{commune}.").format(area=other[:1].upper() + other[1:], commune=own.name)


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
    version = PlanImportPayload.VERSION

    def load(self, step: str, version: int, stored: Mapping[str, Any]) -> State[PlanImportPayload]:
        """The stored state, its payload upgraded from ``version``."""
        if step != "confirm":
            raise PayloadUnreadable(f"no step {step!r} in the plan import")
        return State(self.name, step, PlanImportPayload.load(stored, version), self.version)

    async def start(self, ctx: Context, argument: str) -> Outcome:
        """Without a file there is nothing to import: say how."""
        return Outcome([Reply(_("Send the plan as a file (.docx, .txt or .md) to import it."))], None)

    async def start_with_file(self, ctx: Context, name: str, content: bytes) -> Outcome:
        """Read the file and show the preview with “Save” and “Cancel”."""
        name = visible(name)  # a NUL in the file's name would fail the save on PostgreSQL
        if ctx.member.role != "admin":
            return Outcome([Reply(_("Only an admin can import a plan."))], None)
        if not content:
            # Telegram sends no empty file: the transport did not download one over its limit.
            return Outcome([Reply(too_large(TooLarge("file", MAX_FILE_BYTES + 1, MAX_FILE_BYTES)))], None)
        try:
            plan = await read_file(name, content)
        except TooLarge as error:
            return Outcome([Reply(too_large(error))], None)
        if plan is None:
            return Outcome([Reply(_("I cannot read this file. Send a .docx, .txt or .md file."))], None)
        area_id = await _area_for(ctx.session, plan, ctx.member.commune_id)
        if area_id is None:
            return Outcome([Reply(_("I do not know which area this plan belongs to."))], None)
        refused = await outside_commune(ctx.session, plan, area_id, ctx.member.commune_id)
        if refused is not None:
            return Outcome([Reply(refused)], None)
        if not plan.tasks and not plan.targets:
            return Outcome([Reply(_("I found no task and no target in this file; nothing to import."))], None)
        state = State(self.name, "confirm", PlanImportPayload(name, plan_to_json(plan), area_id), self.version)
        return Outcome([Reply(preview(plan)), Reply(_("Save this plan?"), buttons=_buttons())], state)

    async def step(self, ctx: Context, state: State[PlanImportPayload], answer: str, is_button: bool) -> Outcome:
        """“Save” stores the plan, “Cancel” drops it; anything else asks again."""
        choice = answer if is_button else fold(answer)
        if choice == SAVE or choice in _words("save"):
            effect = SavePlan(state.data.name, state.data.plan, state.data.area_id)
            return Outcome([Reply(_("The plan is saved. Anyone registered can now ask about it."))], None, [effect])
        if choice == CANCEL or choice in _words("cancel"):
            return Outcome([Reply(_("Cancelled. Nothing was saved."))], None)
        return Outcome([Reply(_("Press “Save” to save the plan or “Cancel” to drop it."), buttons=_buttons())], state)


async def apply_save_plan(session: AsyncSession, effect: SavePlan) -> int:
    """Perform ``SavePlan`` inside the caller's unit of work; returns the new plan's id."""
    area = await session.get(Unit, effect.area_id)
    if area is None:
        raise ValueError(f"area {effect.area_id} no longer exists")
    plan = await save_plan(session, plan_from_json(effect.plan), area)
    return plan.id
