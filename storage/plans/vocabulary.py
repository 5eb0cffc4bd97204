"""The domain vocabulary of plan documents (``vocabulary.json``), loaded once and compiled."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from locales.vietnamese import fold

_PATH = Path(__file__).with_name("vocabulary.json")
_PATTERNS = Path(__file__).with_name("patterns.json")


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """Folded word lists and compiled patterns the importer and the question matcher share."""

    agency_heads: tuple[str, ...]
    requested_prefixes: tuple[str, ...]
    assign_prefixes: tuple[str, ...]
    kind_groups: dict[str, tuple[re.Pattern[str], ...]]
    generic_parts: tuple[str, ...]
    area_kinds: dict[str, str]
    hamlet_words: tuple[str, ...]
    support_openers: tuple[str, ...]
    lead_markers: tuple[str, ...]
    target_section_words: tuple[str, ...]
    deadline_kinds: tuple[tuple[str, re.Pattern[str]], ...]
    deadline_context: tuple[str, ...]
    body_end: tuple[str, ...]
    abbreviations: dict[str, str]
    plan_word: str
    sub_project_word: str
    target_clues: tuple[str, ...]
    target_heading: tuple[str, ...]
    table_columns: dict[str, tuple[str, ...]]
    row_number_headers: tuple[str, ...]
    group_prefix: str
    group_continuations: tuple[str, ...]
    level_phrases: tuple[str, ...]
    commune_committees: tuple[str, ...]
    force_prefix: str
    abbreviation_pattern: re.Pattern[str]

    def expand(self, folded: str) -> str:
        """Replace whole-word abbreviations in folded text by their long forms ("ca xa" → "cong an xa")."""
        return self.abbreviation_pattern.sub(lambda m: self.abbreviations[m.group(0)], folded)

    def is_hamlet_name(self, name: str) -> bool:
        """Tell whether ``name`` names a hamlet (starts with thôn, xóm, bản, ấp, buôn, làng, tổ dân phố…)."""
        folded = fold(name)
        return any(folded == w or folded.startswith(w + " ") for w in self.hamlet_words)


def _abbreviation_pattern(abbreviations: dict[str, str]) -> re.Pattern[str]:
    keys = sorted(abbreviations, key=len, reverse=True)
    return re.compile(r"(?<![\w&-])(" + "|".join(re.escape(k) for k in keys) + r")(?![\w&-])")


@cache
def vocabulary() -> Vocabulary:
    """Load ``vocabulary.json`` (once)."""
    raw: dict[str, Any] = json.loads(_PATH.read_text(encoding="utf-8"))
    return Vocabulary(
        agency_heads=tuple(raw["agency_heads"]),
        requested_prefixes=tuple(raw["requested_prefixes"]),
        assign_prefixes=tuple(raw["assign_prefixes"]),
        kind_groups={k: tuple(re.compile(p) for p in v) for k, v in raw["kind_groups"].items()},
        generic_parts=tuple(raw["generic_parts"]),
        area_kinds=dict(raw["area_kinds"]),
        hamlet_words=tuple(raw["hamlet_words"]),
        support_openers=tuple(raw["support_openers"]),
        lead_markers=tuple(raw["lead_markers"]),
        target_section_words=tuple(raw["target_section_words"]),
        deadline_kinds=tuple((k, re.compile(p)) for k, p in raw["deadline_kinds"]),
        deadline_context=tuple(raw["deadline_context"]),
        body_end=tuple(raw["body_end"]),
        abbreviations=dict(raw["abbreviations"]),
        plan_word=raw["plan_word"],
        sub_project_word=raw["sub_project_word"],
        target_clues=tuple(raw["target_clues"]),
        target_heading=tuple(raw["target_heading"]),
        table_columns={k: tuple(v) for k, v in raw["table_columns"].items()},
        row_number_headers=tuple(raw["row_number_headers"]),
        group_prefix=raw["group_prefix"],
        group_continuations=tuple(raw["group_continuations"]),
        level_phrases=tuple(raw["level_phrases"]),
        commune_committees=tuple(raw["commune_committees"]),
        force_prefix=raw["force_prefix"],
        abbreviation_pattern=_abbreviation_pattern(raw["abbreviations"]),
    )


@cache
def _pattern_sources() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(_PATTERNS.read_text(encoding="utf-8"))
    return raw


def _compile(spec: dict[str, Any]) -> re.Pattern[str]:
    return re.compile(spec["pattern"], re.IGNORECASE if spec.get("ignorecase") else 0)


@cache
def pattern(name: str) -> re.Pattern[str]:
    """The regular expression ``name`` of ``patterns.json`` (the plan's wording), compiled once."""
    return _compile(_pattern_sources()[name])


@cache
def patterns(name: str) -> tuple[re.Pattern[str], ...]:
    """The list of regular expressions ``name`` of ``patterns.json``, in order."""
    return tuple(_compile(spec) for spec in _pattern_sources()[name])


def unit_key(name: str) -> str:
    """The identity of a unit name inside one plan: folded, abbreviations expanded, no punctuation."""
    folded = vocabulary().expand(fold(name))
    folded = re.sub(r"[^\w ]", " ", folded)
    return " ".join(folded.split())
