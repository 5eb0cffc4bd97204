"""What the report dialog remembers between messages, and how a payload of an older shape is read.

Version 1 (before payloads were typed) was a dict that gained keys as the dialog went on: before the
month was picked it had no ``previous``, ``deadline`` or ``answered``; ``pending``, ``editing``,
``existing`` and ``resume`` came and went; a row without ``answered`` (older still) checked the rules
against every answer. Version 2 always holds every key, so reading it needs no guessing; ``_from_v1``
fills in what version 1 left out, with the meaning it had there. Version 3 adds the commune's report:
the hamlets' sums it is prefilled with, how many hamlets reported, and the reason for each figure that
differs from its sum; ``_from_v2`` gives a hamlet's report (all it could be) none of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from conversations.payloads import Json, Migration, read

# A stored answer: a count, a note's text, or None (skipped).
Answer = int | str | None


@dataclass
class ReportPayload:
    """The report in progress: whose, which month, the answers so far and where the dialog stands.

    Mutable on purpose: a step works on its own ``copy()`` and hands it on in the next ``State``."""

    VERSION: ClassVar[int] = 3

    unit_id: int
    unit_name: str
    set_id: int
    period: str  # the month being reported ("2026-11")
    current: str  # the month when the dialog began: the picker offers it and the one before
    offered_period: bool = False  # the picker was shown ("back" at the first question returns to it)
    index: int = 0  # the indicator asked
    answers: dict[str, Answer] = field(default_factory=dict)
    answered: list[str] = field(default_factory=list)  # items answered in this dialog, the last last
    previous: dict[str, int | None] = field(default_factory=dict)  # the last report's figures
    previous_period: str | None = None
    deadline: dt.date | None = None
    existing: dict[str, Answer] | None = None  # the report being corrected (values and note)
    pending: int | None = None  # a figure waiting for "yes" (``check`` and ``jump`` steps)
    editing: bool = False  # an item opened from the summary: back to the summary once answered
    resume: str | None = None  # the step a "stop?" question returns to
    sums: dict[str, int] = field(default_factory=dict)  # commune code → the hamlets' sum (commune report)
    hamlets_reported: int = 0  # hamlets that filed the month, of ``hamlets_expected``
    hamlets_expected: int = 0
    reasons: dict[str, str] = field(default_factory=dict)  # code → why it differs from the hamlets' sum

    def copy(self) -> ReportPayload:
        """A shallow copy for a step to change (the dicts and lists in it are replaced, never changed)."""
        # Every step makes one: this is several times cheaper than copy.copy or dataclasses.replace.
        new = object.__new__(ReportPayload)
        new.__dict__.update(self.__dict__)
        return new

    def to_json(self) -> Json:
        """The payload as stored (version 3)."""
        return {
            "unit_id": self.unit_id, "unit_name": self.unit_name, "set_id": self.set_id,
            "period": self.period, "current": self.current, "offered_period": self.offered_period,
            "index": self.index, "answers": self.answers, "answered": self.answered,
            "previous": self.previous, "previous_period": self.previous_period,
            "deadline": self.deadline.isoformat() if self.deadline is not None else None,
            "existing": self.existing, "pending": self.pending, "editing": self.editing,
            "resume": self.resume, "sums": self.sums, "hamlets_reported": self.hamlets_reported,
            "hamlets_expected": self.hamlets_expected, "reasons": self.reasons,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportPayload:
        """Read what ``to_json`` wrote; ``KeyError``/``TypeError``/``ValueError`` on anything else."""
        deadline, existing, pending = data["deadline"], data["existing"], data["pending"]
        return cls(
            unit_id=int(data["unit_id"]), unit_name=_text(data["unit_name"]), set_id=int(data["set_id"]),
            period=_text(data["period"]), current=_text(data["current"]),
            offered_period=bool(data["offered_period"]), index=int(data["index"]),
            answers=dict(data["answers"]), answered=list(data["answered"]),
            previous=dict(data["previous"]), previous_period=_optional_text(data["previous_period"]),
            deadline=dt.date.fromisoformat(deadline) if deadline is not None else None,
            existing=dict(existing) if existing is not None else None,
            pending=int(pending) if pending is not None else None, editing=bool(data["editing"]),
            resume=_optional_text(data["resume"]),
            sums={str(k): int(v) for k, v in dict(data["sums"]).items()},
            hamlets_reported=int(data["hamlets_reported"]), hamlets_expected=int(data["hamlets_expected"]),
            reasons={str(k): _text(v) for k, v in dict(data["reasons"]).items()},
        )

    @classmethod
    def load(cls, stored: Mapping[str, Any], version: int) -> ReportPayload:
        """A stored payload of any version this bot knows, upgraded; see ``conversations.payloads``."""
        return read(cls.from_json, stored, version, cls.VERSION, MIGRATIONS)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _from_v1(data: Json) -> Json:
    """Version 1 → 2: every key present, with the meaning its absence had in version 1."""
    answers = dict(data.get("answers") or {})
    return {
        "unit_id": data["unit_id"], "unit_name": data["unit_name"], "set_id": data["set_id"],
        "period": data["period"], "current": data.get("current", data["period"]),
        "offered_period": bool(data.get("offered_period", False)), "index": data.get("index", 0),
        "answers": answers,
        # Without "answered" version 1 checked the rules against every answer held.
        "answered": list(data["answered"]) if "answered" in data else list(answers),
        "previous": dict(data.get("previous") or {}), "previous_period": data.get("previous_period"),
        "deadline": data.get("deadline"), "existing": data.get("existing"), "pending": data.get("pending"),
        "editing": bool(data.get("editing", False)), "resume": data.get("resume"),
    }


def _from_v2(data: Json) -> Json:
    """Version 2 → 3: a hamlet's report, with no hamlet sums and no reasons."""
    return {**data, "sums": {}, "hamlets_reported": 0, "hamlets_expected": 0, "reasons": {}}


# Keyed by the version each migration reads.
MIGRATIONS: Mapping[int, Migration] = {1: _from_v1, 2: _from_v2}
