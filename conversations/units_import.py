"""Importing the hamlet sheet in chat (a commune admin): send the .xlsx or .csv, see the preview, press “Lưu”.

The same reading and checks as ``baocao units import`` (``storage.units_sheet``, ``storage.units_import``),
kept inside the admin's own commune: a row naming another commune is an error of that row. Any error ends
the dialog with what to fix (nothing can be saved). Between the preview and “Lưu” the dialog holds the
checked rows; when the sheet leaves out hamlets the commune has, a second question asks whether to retire
them (kept by default). The save is an effect (``SaveUnits``) the dispatcher applies in its unit of work
with ``apply_save_units``, which also writes the audit entry ``units.import``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Context, Effect, Outcome, State
from conversations.payloads import Json, Migration, PayloadUnreadable, read
from conversations.vocabulary import says
from locales.i18n import _, fmt_number
from locales.messages import Button, Reply
from locales.vietnamese import fold, visible
from storage.models import Unit
from storage.models.audit import AuditEntry
from storage.units_import import ImportResult, PlacedRow, import_units, place_rows
from storage.units_sheet import HamletRow, Sheet, SheetError, read_sheet

SAVE = "units_save"
CANCEL = "units_cancel"
KEEP = "units_keep"
RETIRE = "units_retire"
# What goes to this dialog by its name; a plan's document types stay with the plan import.
SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
PLAN_SUFFIXES = (".docx", ".doc", ".pdf", ".txt", ".md")
MAX_SHEET_BYTES = 10_000_000  # a commune's sheet is a few kB; Telegram gives bots files up to 20 MB
SHOWN_ERRORS = 8  # a phone screen: the rest are counted
SHOWN_NAMES = 5
_SAVE_WORDS = frozenset({"luu", "save", "1", "luu lai", "ok", "dong y", "xac nhan"})
_CANCEL_WORDS = frozenset({"huy", "cancel", "2", "huy bo", "thoi", "khong"})
# At the retire question "1"/"2" are its own buttons, so there only words cancel.
_KEEP_WORDS = frozenset({"1", "giu", "giu lai", "keep", "giu nguyen"})
_RETIRE_WORDS = frozenset({"2", "thoi su dung", "retire", "cho thoi su dung"})
_CANCEL_ONLY_WORDS = frozenset({"huy", "cancel", "huy bo"})


def is_units_sheet(name: str, content: bytes) -> bool:
    """Whether a sent file is a hamlet sheet (by its extension; without a known one, by being a workbook)."""
    suffix = Path(name).suffix.lower()
    if suffix in SHEET_SUFFIXES:
        return True
    if suffix in PLAN_SUFFIXES or not content.startswith(b"PK"):
        return False
    try:  # only the zip's directory is read: cheap enough on the event loop
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False


@dataclass(frozen=True)
class UnitsImportPayload:
    """A previewed hamlet sheet waiting for “Lưu”: the file's name, the admin's commune, the checked rows,
    the sheet's header labels, and the preview's counts (for the last message)."""

    VERSION: ClassVar[int] = 1

    name: str
    commune_id: int
    headers: dict[str, str]
    rows: tuple[HamletRow, ...]
    created: int
    missing: tuple[str, ...]

    def to_json(self) -> Json:
        """The payload as stored (version 1)."""
        return {"name": self.name, "commune_id": self.commune_id, "headers": self.headers,
                "rows": [dataclasses.asdict(r) for r in self.rows], "created": self.created,
                "missing": list(self.missing)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> UnitsImportPayload:
        """Read what ``to_json`` wrote; ``KeyError``/``TypeError``/``ValueError`` on anything else."""
        headers = data["headers"]
        if not isinstance(data["name"], str) or not isinstance(headers, dict):
            raise TypeError("a units import payload needs a name and headers")
        rows = tuple(HamletRow(**row) for row in data["rows"])
        return cls(name=data["name"], commune_id=int(data["commune_id"]),
                   headers={str(k): str(v) for k, v in headers.items()}, rows=rows,
                   created=int(data["created"]), missing=tuple(str(m) for m in data["missing"]))

    @classmethod
    def load(cls, stored: Mapping[str, Any], version: int) -> UnitsImportPayload:
        """A stored payload of any version this bot knows, upgraded (``conversations.payloads``)."""
        return read(cls.from_json, stored, version, cls.VERSION, _MIGRATIONS)


# Keyed by the version each migration reads; none yet.
_MIGRATIONS: Mapping[int, Migration] = {}


@dataclass(frozen=True)
class SaveUnits(Effect):
    """Import the checked rows into the commune ``commune_id``, retiring the missing hamlets if asked."""

    name: str
    commune_id: int
    headers: dict[str, str]
    rows: tuple[HamletRow, ...]
    retire_missing: bool


def _read(name: str, content: bytes) -> Sheet:
    """Read the sheet from a temporary file: the reader takes a path and names the file in its messages."""
    suffix = Path(name).suffix.lower()
    stem = Path(name.replace("\\", "/")).stem[:80] or "sheet"
    if suffix not in SHEET_SUFFIXES:
        suffix = ".xlsx"  # a workbook sent without its extension (``is_units_sheet`` looked inside)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{stem}{suffix}"
        path.write_bytes(content)
        return read_sheet(path)


async def read_sent_sheet(name: str, content: bytes) -> Sheet:
    """Read a sent sheet in a worker thread (openpyxl is CPU work), so other users' updates go on."""
    return await asyncio.to_thread(_read, name, content)


def _is_own(placed: PlacedRow, commune: Unit) -> bool:
    if commune.official_code:
        return placed.commune.code_text == commune.official_code
    return fold(placed.commune.name) == commune.folded_name  # a commune made before codes were kept


async def kept_apart(session: AsyncSession, placed: list[PlacedRow], commune: Unit) -> bool:
    """Whether the import would not find ``commune`` itself: a commune kept without its official code is
    found by its name under its province, so that province must be the sheet's (by code, else by name)."""
    if commune.official_code or not placed:
        return False
    province = await session.get(Unit, commune.parent_id) if commune.parent_id is not None else None
    official = placed[0].province
    if province is None:
        return True
    if province.official_code:
        return province.official_code != official.code_text
    return province.folded_name != fold(official.full_name)


def scope_errors(placed: list[PlacedRow], headers: Mapping[str, str], commune: Unit) -> list[SheetError]:
    """A row naming another commune than the admin's: an error of that row."""
    column = headers.get("commune")
    return [SheetError(p.row.row, column, _("You manage only {commune}: this row is for {other}. Delete the "
                                            "row, or send only {commune}'s hamlets.").format(
        commune=commune.name, other=p.commune.name)) for p in placed if not _is_own(p, commune)]


def _where(error: SheetError) -> str:
    if error.row is not None and error.column:
        return _("Row {row}, column {column}: ").format(row=error.row, column=error.column)
    if error.row is not None:
        return _("Row {row}: ").format(row=error.row)
    return ""


def errors_text(errors: list[SheetError]) -> str:
    """The sheet's problems, phone-sized: the first few by row and column, the rest counted."""
    lines = [_("Nothing can be saved: the sheet has {n} problem(s). Correct them in the file and send it "
               "again.").format(n=fmt_number(len(errors)))]
    lines.extend(f"• {_where(e)}{e.message}" for e in errors[:SHOWN_ERRORS])
    if len(errors) > SHOWN_ERRORS:
        lines.append(_("… and {n} more.").format(n=fmt_number(len(errors) - SHOWN_ERRORS)))
    return "\n".join(lines)


def _names(labels: list[str], commune: str) -> str:
    """Up to ``SHOWN_NAMES`` hamlet names, without the commune every one of them is in."""
    names = [label.removesuffix(f" ({commune})") for label in labels[:SHOWN_NAMES]]
    more = len(labels) - SHOWN_NAMES
    return ", ".join(names) + (_(" and {n} more").format(n=fmt_number(more)) if more > 0 else "")


def preview_text(result: ImportResult, commune: str) -> str:
    """What saving the sheet would do, short enough for a phone."""
    lines = [_("Hamlet list of {commune}:").format(commune=commune)]
    if result.new_communes:
        lines.append("• " + _("New communes: {names}").format(names=", ".join(result.new_communes)))
    created = _("New hamlets: {n}").format(n=fmt_number(len(result.created)))
    lines.append("• " + created + (f" ({_names(result.created, commune)})" if result.created else ""))
    if result.updated:
        lines.append("• " + _("Changed (population, or back in use): {n} ({names})").format(
            n=fmt_number(len(result.updated)), names=_names(result.updated, commune)))
    lines.append("• " + _("Unchanged: {n}").format(n=fmt_number(result.unchanged)))
    if result.to_retire:
        lines.append("• " + _("Not in the sheet: {n} ({names}); I will ask whether to retire them").format(
            n=fmt_number(len(result.to_retire)), names=_names(result.to_retire, commune)))
    return "\n".join(lines)


def _save_buttons() -> list[list[Button]]:
    return [[Button(_("Save"), SAVE)], [Button(_("Cancel"), CANCEL)]]


def _retire_buttons() -> list[list[Button]]:
    return [[Button(_("Keep them"), KEEP)], [Button(_("Retire them"), RETIRE)]]


def _choice(answer: str, is_button: bool, words: frozenset[str], data: str) -> bool:
    return answer == data if is_button else fold(answer).strip(" .!") in words


class UnitsImportDialog:
    """Preview then save the hamlet sheet a commune admin sends."""

    name = "units_import"
    version = UnitsImportPayload.VERSION

    def load(self, step: str, version: int, stored: Mapping[str, Any]) -> State[UnitsImportPayload]:
        """The stored state, its payload upgraded from ``version``."""
        if step not in ("confirm", "retire"):
            raise PayloadUnreadable(f"no step {step!r} in the units import")
        return State(self.name, step, UnitsImportPayload.load(stored, version), self.version)

    async def start(self, ctx: Context, argument: str) -> Outcome:
        """Without a file there is nothing to import: say how."""
        return Outcome([Reply(_("Send the hamlet list as an .xlsx or .csv file (/maumau sends the sample)."))],
                       None)

    async def start_with_file(self, ctx: Context, name: str, content: bytes) -> Outcome:
        """Read and check the sheet, then show what saving it would do, with “Save” and “Cancel”."""
        name = visible(name)[:200]  # a NUL in the file's name would fail the save on PostgreSQL
        commune = await ctx.session.get(Unit, ctx.member.commune_id) if ctx.member.commune_id else None
        if ctx.member.role != "admin" or commune is None:
            return Outcome([Reply(_("Only the commune's administrator can import the hamlet list."))], None)
        if not content or len(content) > MAX_SHEET_BYTES:
            # Telegram sends no empty file: the transport did not download one over its limit.
            return Outcome([Reply(_("The file is too large: a hamlet list may have at most {limit} MB.").format(
                limit=fmt_number(MAX_SHEET_BYTES // 1_000_000)))], None)
        sheet = await read_sent_sheet(name, content)
        placed, errors = place_rows(sheet)
        errors = sorted([*errors, *scope_errors(placed, sheet.headers, commune)], key=lambda e: e.row or 0)
        if errors:
            return Outcome([Reply(errors_text(errors))], None)
        if await kept_apart(ctx.session, placed, commune):
            return Outcome([Reply(self._kept_apart(commune.name))], None)
        # A dry run: reads only, nothing is added to the session.
        result = await import_units(ctx.session, sheet, ctx.now, dry_run=True)
        if result.errors:
            return Outcome([Reply(errors_text(result.errors))], None)
        if result.new_communes:  # never save outside the admin's commune, whatever the names say
            return Outcome([Reply(self._kept_apart(commune.name))], None)
        # Every missing hamlet is of the admin's commune: its name alone says which.
        missing = tuple(label.removesuffix(f" ({commune.name})") for label in result.to_retire)
        payload = UnitsImportPayload(name, commune.id, dict(sheet.headers), tuple(sheet.rows),
                                     len(result.created), missing)
        return Outcome([Reply(preview_text(result, commune.name)),
                        Reply(_("Save this list?"), buttons=_save_buttons())],
                       State(self.name, "confirm", payload, self.version))

    async def step(self, ctx: Context, state: State[UnitsImportPayload], answer: str, is_button: bool) -> Outcome:
        """“Save” saves (asking first about hamlets missing from the sheet), “Cancel” drops; else ask again."""
        data = state.data
        cancel_words = _CANCEL_WORDS if state.step == "confirm" else _CANCEL_ONLY_WORDS
        if state.step == "retire" and _choice(answer, is_button, _RETIRE_WORDS, RETIRE):
            return self._save(data, retire=True)
        if _choice(answer, is_button, cancel_words, CANCEL) or (not is_button and says(answer, "cancel")):
            return Outcome([Reply(_("Cancelled. Nothing was saved."))], None)
        if state.step == "confirm":
            if not _choice(answer, is_button, _SAVE_WORDS, SAVE):
                return Outcome([Reply(_("Press “Save” to save the list or “Cancel” to drop it."),
                                      buttons=_save_buttons())], state)
            if data.missing:
                return Outcome([Reply(self._retire_question(data), buttons=_retire_buttons())],
                               dataclasses.replace(state, step="retire"))
            return self._save(data, retire=False)
        if _choice(answer, is_button, _KEEP_WORDS, KEEP):
            return self._save(data, retire=False)
        return Outcome([Reply(self._retire_question(data), buttons=_retire_buttons())], state)

    @staticmethod
    def _kept_apart(commune: str) -> str:
        return _("The sheet's commune does not match {commune} as the bot keeps it (its province or official "
                 "code differs): nothing can be saved. Ask whoever runs the bot to import the sheet with "
                 "“baocao units import”.").format(commune=commune)

    @staticmethod
    def _retire_question(data: UnitsImportPayload) -> str:
        return _("{n} hamlet(s) are not in the sheet: {names}. Retire them (they stop reporting; their past "
                 "reports stay) or keep them?").format(n=fmt_number(len(data.missing)),
                                                      names=_names(list(data.missing), ""))

    @staticmethod
    def _save(data: UnitsImportPayload, retire: bool) -> Outcome:
        effect = SaveUnits(data.name, data.commune_id, data.headers, data.rows, retire)
        text = _("Saved: {created} new hamlet(s).").format(created=fmt_number(data.created))
        if data.missing:
            text += " " + (_("Retired: {n}.") if retire else _("Kept though not in the sheet: {n}.")).format(
                n=fmt_number(len(data.missing)))
        return Outcome([Reply(text)], None, [effect])


async def _active_hamlets(session: AsyncSession, commune_id: int) -> int:
    query = select(func.count()).select_from(Unit).where(
        Unit.parent_id == commune_id, Unit.kind == "hamlet", Unit.retired_at.is_(None))
    return int((await session.execute(query)).scalar_one())


async def apply_save_units(session: AsyncSession, effect: SaveUnits, person_id: int | None,
                           now: dt.datetime) -> ImportResult:
    """Perform ``SaveUnits`` inside the caller's unit of work and write the audit entry ``units.import``."""
    commune = await session.get(Unit, effect.commune_id)
    if commune is None:
        raise ValueError(f"commune {effect.commune_id} no longer exists")
    sheet = Sheet(list(effect.rows), dict(effect.headers), [])
    placed, errors = place_rows(sheet)
    if errors or scope_errors(placed, sheet.headers, commune) or await kept_apart(session, placed, commune):
        # Checked at the preview; only an upgrade of the official list in between could land here.
        raise ValueError("the sheet no longer passes its checks")
    before = await _active_hamlets(session, commune.id)
    result = await import_units(session, sheet, now, retire_missing=effect.retire_missing)
    if result.errors or result.new_communes:
        raise ValueError("the sheet no longer passes its checks")
    session.add(AuditEntry(
        commune_id=commune.id, actor_id=person_id, action="units.import", subject=effect.name[:300],
        before={"hamlets": before},
        after={"hamlets": await _active_hamlets(session, commune.id), "created": len(result.created),
               "updated": len(result.updated), "unchanged": result.unchanged, "retired": len(result.retired),
               "kept_missing": len(result.to_retire)},
        at=now,
    ))
    await session.flush()
    return result
