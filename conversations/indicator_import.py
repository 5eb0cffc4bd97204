"""An admin sends the edited indicator sheet in chat: the preview (added, changed, retired), then “lưu”.

Read and checked as ``baocao indicators import`` does (``storage.indicator_sheet``); any problem ends the
dialog with what to fix and nothing saved. Between the preview and “lưu” the dialog holds the checked
rows; saving is an effect (``SaveIndicatorSet``) the dispatcher applies with ``apply_save_indicator_set``:
a new version of the set, beside the old one, and the audit entry ``indicators.import``. The confirming
word is “lưu” (or the button): never “có”/“đúng”, which fold to the same letters as “dừng”.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Context, Effect, Outcome, State
from conversations.payloads import Json, PayloadUnreadable, read
from conversations.report_intents import is_ambiguous_stop
from conversations.units_import import PLAN_SUFFIXES
from conversations.vocabulary import says
from locales.i18n import _, fmt_number
from locales.messages import Button, Reply
from locales.vietnamese import fold, visible
from storage.indicator_sets import (
    SetChanges,
    compare,
    inheriting_communes,
    rows_of,
    save_version,
    set_of_area,
)
from storage.indicator_sheet import IndicatorRow, ParsedSheet, is_xlsx, looks_like_indicator_sheet, read_sheet
from storage.models import IndicatorSet, Unit
from storage.models.audit import AuditEntry
from storage.people import Member

NAME = "indicator_import"
SAVE = "indicators_save"
CANCEL = "indicators_cancel"
SHOWN_PROBLEMS = 8  # a phone screen: the rest are counted
SHOWN_CODES = 8
MAX_BYTES = 5_000_000
_SAVE_WORDS = frozenset({"luu", "save", "luu lai", "luu phien ban moi", "ap dung"})
_CANCEL_WORDS = frozenset({"huy", "cancel", "huy bo", "thoi", "khong", "bo"})
_FILE_WORDS = ("chi tieu", "chitieu", "chi-tieu", "chi_tieu", "indicator")


def is_indicator_file(name: str, content: bytes) -> bool:
    """Whether a sent file is meant as an indicator sheet: a workbook laid out as one, or a file named so
    (then a wrong format is told as such, not taken for a plan)."""
    path = Path(name.replace("\\", "/"))
    if looks_like_indicator_sheet(content):
        return True
    # A plan ("Kế hoạch … chỉ tiêu 2026.docx") stays a plan; another format named so is told it is not .xlsx.
    return path.suffix.lower() not in PLAN_SUFFIXES and any(word in fold(path.stem) for word in _FILE_WORDS)


def area_of(member: Member) -> int | None:
    """The area whose set an admin shapes: their province (or district) when they sit there, else their commune."""
    if member.unit_kind in ("province", "district"):
        return member.unit_id
    return member.commune_id


@dataclass(frozen=True)
class IndicatorImportPayload:
    """A previewed sheet waiting for “lưu”: the area, the version it edits, the new rows, what changes."""

    VERSION: ClassVar[int] = 1

    file_name: str
    area_id: int
    base_set_id: int
    rows: tuple[IndicatorRow, ...]
    summary: str

    def to_json(self) -> Json:
        """The payload as stored (version 1)."""
        return {"file_name": self.file_name, "area_id": self.area_id, "base_set_id": self.base_set_id,
                "rows": [r.as_json() for r in self.rows], "summary": self.summary}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IndicatorImportPayload:
        """Read what ``to_json`` wrote; ``KeyError``/``TypeError``/``ValueError`` on anything else."""
        return cls(file_name=str(data["file_name"]), area_id=int(data["area_id"]),
                   base_set_id=int(data["base_set_id"]),
                   rows=tuple(IndicatorRow.from_json(r) for r in data["rows"]), summary=str(data["summary"]))


@dataclass(frozen=True)
class SaveIndicatorSet(Effect):
    """Add the next version of the set ``base_set_id`` for the area ``area_id`` with ``rows``."""

    file_name: str
    area_id: int
    base_set_id: int
    rows: tuple[IndicatorRow, ...]


def problems_text(parsed: ParsedSheet) -> str:
    """Every problem of a sheet (the first few, the rest counted), and that nothing was saved."""
    lines = [_("Nothing was saved: the indicator sheet has {n} problem(s).").format(
        n=fmt_number(len(parsed.problems)))]
    lines += ["• " + p.text() for p in parsed.problems[:SHOWN_PROBLEMS]]
    more = len(parsed.problems) - SHOWN_PROBLEMS
    if more > 0:
        lines.append(_("… and {n} more.").format(n=fmt_number(more)))
    lines.append(_("Correct the file and send it again."))
    return "\n".join(lines)


def _codes(codes: list[str]) -> str:
    more = len(codes) - SHOWN_CODES
    return ", ".join(codes[:SHOWN_CODES]) + (_(" and {n} more").format(n=fmt_number(more)) if more > 0 else "")


def _field_name(key: str) -> str:
    names = {"label": _("short label"), "question": _("question"), "measure": _("unit of measure"),
             "kind": _("kind"), "required": _("required"), "rules": _("rules"), "label_en": _("English label"),
             "question_en": _("English question")}
    return names.get(key, key)


def changes_text(changes: SetChanges) -> list[str]:
    """The changes as bullet lines (codes; for a changed one, which columns)."""
    lines: list[str] = []
    if changes.added:
        lines.append("• " + _("Added: {codes}").format(codes=_codes(changes.added)))
    if changes.changed:
        shown = [f"{code} ({', '.join(_field_name(f) for f in fields)})" for code, fields in changes.changed.items()]
        lines.append("• " + _("Changed: {codes}").format(codes=_codes(shown)))
    if changes.retired:
        lines.append("• " + _("Retired (kept in the old version with its reports): {codes}").format(
            codes=_codes(changes.retired)))
    if changes.reordered:
        lines.append("• " + _("The order of the questions changed."))
    return lines


async def preview(session: AsyncSession, area: Unit, parsed: ParsedSheet
                  ) -> tuple[IndicatorSet, SetChanges, str] | str:
    """What saving ``parsed`` for ``area`` would do, or why it cannot be saved (a sentence)."""
    if parsed.problems:
        return problems_text(parsed)
    base = await set_of_area(session, area, parsed.info.get("code") or None)
    if base is None:
        return _("{area} has no indicator set named “{code}” to edit; export the current set first.").format(
            area=area.name, code=parsed.info.get("code") or "?")
    changes = compare(await rows_of(session, base.id), parsed.rows)
    if changes.empty:
        return _("The sheet is the same as the set in use (version {version}): nothing to save.").format(
            version=base.version)
    own = base.owner_id == area.id
    next_version = base.version + 1 if own else 1
    head = _("Indicator set “{name}” of {area}: version {old} → {new}.").format(
        name=base.name, area=area.name, old=base.version if own else "-", new=next_version)
    lines = [head, *changes_text(changes)]
    if area.kind != "commune":
        inherit, keep = await inheriting_communes(session, area, base.code)
        lines.append("• " + _("Applies to {n} commune(s) without a set of their own; {m} keep their own.").format(
            n=fmt_number(inherit), m=fmt_number(keep)))
    lines.append(_("Reports already filed keep the definition they were filed with."))
    return base, changes, "\n".join(lines)


def _buttons() -> list[list[Button]]:
    return [[Button(_("Save"), SAVE)], [Button(_("Cancel"), CANCEL)]]


class IndicatorImportDialog:
    """Preview then save an indicator sheet an admin sends."""

    name = NAME
    version = IndicatorImportPayload.VERSION

    def load(self, step: str, version: int, stored: Mapping[str, Any]) -> State[IndicatorImportPayload]:
        """The stored state (one version so far)."""
        if step != "confirm":
            raise PayloadUnreadable(f"no step {step!r} in the indicator import")
        payload = read(IndicatorImportPayload.from_json, stored, version, self.version, {})
        return State(self.name, step, payload, self.version)

    async def start(self, ctx: Context, argument: str) -> Outcome:
        """Without a file there is nothing to import: say how."""
        return Outcome([Reply(_("Send the indicator sheet as an .xlsx file (/chitieu sends the current one)."))],
                       None)

    async def start_with_file(self, ctx: Context, name: str, content: bytes) -> Outcome:
        """Read and check the sheet, then show what saving it would change, with “Save” and “Cancel”."""
        name = visible(name)[:200]
        area_id = area_of(ctx.member)
        area = await ctx.session.get(Unit, area_id) if area_id is not None else None
        if ctx.member.role != "admin" or area is None:
            return Outcome([Reply(_("Only an administrator can change the indicator set."))], None)
        if len(content) > MAX_BYTES:
            return Outcome([Reply(_("The file is too large for an indicator sheet."))], None)
        parsed = await asyncio.to_thread(read_sheet, content) if is_xlsx(content) else read_sheet(content)
        found = await preview(ctx.session, area, parsed)
        if isinstance(found, str):
            return Outcome([Reply(found)], None)
        base, _changes, text = found
        payload = IndicatorImportPayload(name, area.id, base.id, tuple(parsed.rows), text)
        return Outcome([Reply(text), Reply(_("Type “lưu” to save the new version, or “hủy” to drop it."),
                                           buttons=_buttons())],
                       State(self.name, "confirm", payload, self.version))

    async def step(self, ctx: Context, state: State[IndicatorImportPayload], answer: str,
                   is_button: bool) -> Outcome:
        """“lưu” saves, “hủy” drops; anything else (a bare “dung” too) asks again."""
        data = state.data
        folded = fold(answer).strip(" .!")
        if answer == CANCEL or (not is_button and (folded in _CANCEL_WORDS or says(answer, "cancel"))):
            if not is_button and is_ambiguous_stop(answer):
                return Outcome([Reply(_("Type “lưu” to save the new version, or “hủy” to drop it."),
                                      buttons=_buttons())], state)
            return Outcome([Reply(_("Cancelled. The indicator set is unchanged."))], None)
        if answer == SAVE or (not is_button and folded in _SAVE_WORDS):
            if await _superseded(ctx.session, data):
                return Outcome([Reply(_("The indicator set was changed by someone else since this preview: "
                                        "nothing was saved. Export it again (/chitieu) and redo the edit."))], None)
            effect = SaveIndicatorSet(data.file_name, data.area_id, data.base_set_id, data.rows)
            return Outcome([Reply(_("Saved. New reports use the new version; reports already filed keep "
                                    "theirs."))], None, [effect])
        return Outcome([Reply(_("Type “lưu” to save the new version, or “hủy” to drop it."), buttons=_buttons())],
                       state)


async def _superseded(session: AsyncSession, data: IndicatorImportPayload) -> bool:
    """Whether a newer version than the one previewed was saved meanwhile (saving would silently drop it)."""
    area = await session.get(Unit, data.area_id)
    base = await session.get(IndicatorSet, data.base_set_id)
    if area is None or base is None:
        return True
    current = await set_of_area(session, area, base.code)
    return current is None or current.id != base.id


def may_save(effect: SaveIndicatorSet, member: Member | None) -> bool:
    """Only an admin of the area may save its set (checked again by the unit of work)."""
    return member is not None and member.role == "admin" and area_of(member) == effect.area_id


async def apply_save_indicator_set(session: AsyncSession, effect: SaveIndicatorSet, person_id: int | None,
                                   now: dt.datetime) -> IndicatorSet:
    """Perform ``SaveIndicatorSet`` inside the caller's unit of work and write the audit entry."""
    area = await session.get(Unit, effect.area_id)
    base = await session.get(IndicatorSet, effect.base_set_id)
    if area is None or base is None:
        raise ValueError("the area or the set no longer exists")
    changes = compare(await rows_of(session, base.id), list(effect.rows))
    saved = await save_version(session, area, base, list(effect.rows))
    session.add(AuditEntry(
        commune_id=area.id, actor_id=person_id, action="indicators.import", subject=f"{saved.code} v{saved.version}",
        before={"set_id": base.id, "version": base.version},
        after={"set_id": saved.id, "version": saved.version, "added": changes.added,
               "changed": sorted(changes.changed), "retired": changes.retired, "file": effect.file_name[:200]},
        at=now,
    ))
    await session.flush()
    return saved
