"""Entities in a question, matched against what the database holds: units, projects, deadline kinds."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein
from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.questions.knowledge import Knowledge, UnitInfo
from handlers.questions.matching import find_phrase, has_any, normalize, phrases, words_match
from storage.models.units import Unit
from storage.periods import find_periods, period_spec
from storage.plans.vocabulary import vocabulary

# A unit is named when this many of its words follow each other in the question (or all of them).
_MIN_RUN = 2


@dataclass(frozen=True)
class AskerPlace:
    """The asker's unit and the areas above it (nearest first)."""

    unit: Unit | None
    chain: tuple[Unit, ...]  # the unit itself then its ancestors

    @property
    def area_ids(self) -> tuple[int, ...]:
        """Ids of the unit and every area above it."""
        return tuple(u.id for u in self.chain)


async def asker_place(session: AsyncSession, unit_id: int | None) -> AskerPlace:
    """Load the asker's unit and its ancestors in one query (a recursive walk up ``parent_id``)."""
    if unit_id is None:
        return AskerPlace(None, ())
    up = select(Unit.id, Unit.parent_id, literal(0).label("depth")).where(Unit.id == unit_id).cte(recursive=True)
    up = up.union_all(
        select(Unit.id, Unit.parent_id, (up.c.depth + 1).label("depth"))
        .join(up, Unit.id == up.c.parent_id)
        .where(up.c.depth < 8)
    )
    rows = await session.execute(select(Unit, up.c.depth).join(up, Unit.id == up.c.id).order_by(up.c.depth))
    chain = tuple(row[0] for row in rows)
    return AskerPlace(chain[0] if chain else None, chain)


def relevant_plans(k: Knowledge, place: AskerPlace) -> list[int]:
    """Plans of the asker's areas (nearest first); every plan when the asker is unknown or has none."""
    ids = place.area_ids
    plans = sorted((p for p in k.plans.values() if p.area_id in ids), key=lambda p: (ids.index(p.area_id), -p.id))
    return [p.id for p in plans] if plans else sorted(k.plans, reverse=True)


def project_codes(norm: str) -> list[str]:
    """Codes asked about: "tieu du an 4 cua du an 7" → ["7.4"]; "tieu du an 2" → ["*.2"]; "du an 5" → ["5"]."""
    m = phrases().project_patterns["sub_of"].search(norm)
    if m:
        return [f"{m.group(2)}.{m.group(1)}"]
    m = phrases().project_patterns["main_sub"].search(norm)
    if m:
        return [f"{m.group(1)}.{m.group(2)}"]
    m = phrases().project_patterns["sub"].search(norm)
    if m:
        return [f"*.{m.group(1)}"]
    return [m.group(1) for m in phrases().project_patterns["main"].finditer(norm)][:1]


def unit_word(typed: str, wanted: str) -> bool:
    """Words of a unit's name: one slip allowed from four letters on ("cog an" is "cong an")."""
    if typed == wanted:
        return True
    if len(wanted) >= 4 and len(typed) >= 3 and Levenshtein.distance(typed, wanted) <= 1:
        return True
    return words_match(typed, wanted)


def _word_matches(question: list[str], vocab: list[str]) -> dict[str, set[str]]:
    """For each question word, the unit words it may stand for (C-speed scans of the vocabulary)."""
    out: dict[str, set[str]] = {}
    for typed in set(question):
        found = {typed} if typed in vocab else set()
        if len(typed) >= 3:
            for word, _score, _i in process.extract(
                typed, vocab, scorer=Levenshtein.distance, score_cutoff=1, limit=None
            ):
                # Four-letter words differ in one letter all the time ("nong", "dong"): only a
                # dropped or doubled letter counts as a slip there ("cog" for "cong").
                if len(word) >= 5 or (len(word) == 4 and len(typed) != len(word) and len(typed) >= 3):
                    found.add(word)
        if len(typed) > 4:
            for word, _ratio, _i in process.extract(typed, vocab, scorer=fuzz.ratio, score_cutoff=84, limit=None):
                if len(word) > 4:
                    found.add(word)
        out[typed] = found
    return out


@cache
def _head_words() -> frozenset[str]:
    """One-word heads of body names (sở, trạm, phòng, ban…) that tell bodies apart."""
    heads = {h.strip() for h in vocabulary().agency_heads if " " not in h.strip()}
    return frozenset(heads - {"cac", "cap", "ca"})


def _run_length(question: list[str], unit: tuple[str, ...], matches: dict[str, set[str]]) -> tuple[int, bool, bool]:
    """Longest run of the unit's words appearing in a row in the question (typos allowed); whether
    such a run starts with the unit's first word (its head: "Sở …", "Trung tâm …"); and whether the
    body word typed just before the run contradicts the name ("Sở y tế" is not "Trạm y tế")."""
    best, at_head, start = 0, False, (0, 0)
    for i in range(len(question)):
        for j in range(len(unit)):
            n = 0
            while i + n < len(question) and j + n < len(unit) and unit[j + n] in matches[question[i + n]]:
                n += 1
            if n > best or (n == best and j == 0 and n):
                best, at_head, start = n, j == 0 or (at_head and n == best), (i, j)
    i, j = start
    before = question[i - 1] if i > 0 else ""
    clash = j > 0 and before in _head_words() and not (matches.get(before, set()) & set(unit))
    # "UBND xã" is not "Văn phòng HĐND&UBND xã": a body named inside another's name is its owner.
    typed_head = any(unit[0] in matches[t] for t in question)
    if j > 0 and not typed_head and tuple(unit[j : j + 2]) in phrases().owner_heads:
        clash = True
    # "Ủy ban nhân dân" is not "Ủy ban Mặt trận": the words right after a short shared run differ.
    after = question[i + best] if i + best < len(question) else ""
    diverges = best < 3 and j + best < len(unit) and bool(after) and after not in phrases().span_stops
    if diverges and unit[j + best] not in matches.get(after, set()) and after in _unit_words_all(matches):
        clash = True
    return best, at_head, clash


def _unit_words_all(matches: dict[str, set[str]]) -> set[str]:
    """The question words that are words of some unit name (the others are phrasing)."""
    return {t for t, found in matches.items() if found}


def match_units(norm: str, k: Knowledge, plan_ids: list[int]) -> list[UnitInfo]:
    """The agencies the question names, best first; several only when they match equally well."""
    return units_named(unit_words(norm), k, plan_ids)


def unit_words(norm: str) -> tuple[str, ...]:
    """The words of normalised text that a unit's name is matched against (level words dropped)."""
    stop = phrases().unit_stop_tokens
    return tuple(t for t in norm.split() if t not in stop)


def units_named(words: Sequence[str], k: Knowledge, plan_ids: list[int]) -> list[UnitInfo]:
    """``match_units`` over a question's ``unit_words``, read once (``ParsedQuestion.unit_words``)."""
    question = list(words)
    scored: list[tuple[int, bool, bool, int, UnitInfo]] = []
    wanted = set(plan_ids)
    matches = _word_matches(question, k.unit_vocabulary())
    hit = set().union(*matches.values()) if matches else set()
    for unit in k.units.values():
        if not unit.tokens or hit.isdisjoint(unit.tokens) or not (k.unit_plans.get(unit.id, set()) & wanted):
            continue
        run, at_head, clash = _run_length(question, unit.tokens, matches)
        whole = run == len(unit.tokens)
        if clash:
            continue
        # A one-word name ("Tỉnh đoàn" → "doan") must be typed as it is: "dân" is not "đoàn".
        if len(unit.tokens) == 1 and unit.tokens[0] not in question:
            continue
        if run >= _MIN_RUN or (whole and len(unit.tokens[0]) > 3):
            scored.append((run, whole, at_head, len(hit.intersection(unit.tokens)), unit))
    if not scored:
        return []
    top = max(s[0] for s in scored)
    best = [s for s in scored if s[0] == top]
    # Among equally long matches, a name the question covers entirely ("Công an xã") beats a longer
    # one, a match at the head of the name beats one inside it ("Sở Giáo dục" over "… cơ sở giáo dục"),
    # then the name with more of its words in the question ("Đài … truyền hình" over "Báo").
    for flag in (1, 2):
        if any(s[flag] for s in best):
            best = [s for s in best if s[flag]]
    most = max(s[3] for s in best)
    found: list[UnitInfo] = []
    groups: set[tuple[str, int]] = set()
    for s in best:
        if s[3] != most:
            continue
        unit = s[4]
        if unit.id < 0:
            # Several names of one group ("UBND các xã, phường", "Ủy ban nhân dân các xã, phường") are one.
            key = k.group_keys[unit.id]
            if key in groups:
                continue
            groups.add(key)
        found.append(unit)
    return found


def names_only(words: Sequence[str], unit: UnitInfo, k: Knowledge) -> bool:
    """Tell whether every one of the question's ``unit_words`` belongs to the unit's name ("CA xã?" is
    just a name)."""
    question = list(words)
    matches = _word_matches(question, k.unit_vocabulary())
    return bool(question) and all(matches[t] & set(unit.tokens) for t in question)


def mentions_self(tokens: Sequence[str]) -> bool:
    """Tell whether the asker speaks of their own unit ("đơn vị tôi", "xóm mình")."""
    return has_any(tokens, phrases().self_words)


def mentions_hamlet(tokens: Sequence[str]) -> bool:
    """Tell whether the question names hamlets in general ("xóm", "thôn", "bản"…)."""
    return has_any(tokens, phrases().hamlet_words)


def mentions_commune(tokens: Sequence[str]) -> bool:
    """Tell whether the question names communes in general ("UBND xã", "các xã")."""
    return has_any(tokens, phrases().commune_words)


def asks_who(tokens: Sequence[str]) -> bool:
    """Tell whether the question asks who (ai, đơn vị nào, chủ trì)."""
    return has_any(tokens, phrases().who_words)


def deadline_kind(norm: str) -> str | None:
    """The kind of report a deadline question is about (quarter, half, year, month, plan)."""
    for kind, pattern in phrases().deadline_kinds:
        if pattern.search(norm):
            return kind
    return None


def phrase_at(tokens: Sequence[str], phrase: str) -> int:
    """Where ``phrase`` starts in ``tokens`` or -1."""
    return find_phrase(tokens, tuple(phrase.split()))


def asked_period(norm: str, kind: str | None, today: dt.date) -> tuple[str, int, int] | None:
    """The period a deadline question names ("quý 2" → ("quarter", year, 2)), in this year unless said."""
    # A deadline looks ahead: "quý 2" is this year's, even before it begins (``latest=False``).
    found = find_periods(norm, today, latest=False)
    # A year said apart from the period ("quý 2 của năm 2027") is the period's year.
    stated = next((p.spec.year for p in found if p.spec.kind == "year" and p.year_said), None)
    wanted = ("quarter", "half", "month") if kind in (None, "month") else ("quarter", "half")
    for period_kind in wanted:
        asked = next((p for p in found if p.spec.kind == period_kind), None)
        if asked is not None:
            spec = asked.spec
            if stated is not None and not asked.year_said:
                spec = period_spec(spec.kind, stated, spec.number)
            return spec.kind, spec.year, spec.number
    if kind == "year" and stated is not None:
        return "year", stated, 1
    return None


def question_levels(tokens: Sequence[str]) -> set[str]:
    """The levels the question names ("tỉnh" → province, "xã"/"phường" → commune, "huyện" → district)."""
    levels = phrases().level_words
    found = set()
    skip = -1
    for i, t in enumerate(tokens):
        pair = " ".join(tokens[i : i + 2])
        if pair in levels:  # "thị xã" is a district, "thị trấn" a commune
            found.add(levels[pair])
            skip = i + 1
        elif t in levels and i != skip:
            found.add(levels[t])
    return found


# A plan's unit names are checked against every question that names a level: read each name once.
@lru_cache(maxsize=4096)
def _name_levels(name: str) -> frozenset[str]:
    return frozenset(question_levels(normalize(name).split()))


def fit_level(asked: Collection[str], found: list[UnitInfo], k: Knowledge) -> list[UnitInfo]:
    """Drop matches of another level than the ``asked`` ones (``question_levels``): "Công an tỉnh" is not
    "Công an xã", and "UBND cấp xã" is not "UBND cấp huyện"."""
    if not asked:
        return found
    kept = []
    for unit in found:
        if unit.id < 0:
            kind = k.group_keys[unit.id][0]
            if kind in ("commune", "district", "province") and kind not in asked:
                continue
        else:
            levels = _name_levels(unit.name)
            if levels and levels.isdisjoint(asked):
                continue
        kept.append(unit)
    return kept


@dataclass(frozen=True)
class Umbrella:
    """A body the question names that the plan names only through another: its name, the words of
    the body it belongs to, and the phrases that show a task concerns it (none: every task does)."""

    member: str
    umbrella: str
    mentions: tuple[str, ...]


def umbrella_members(norm: str) -> list[Umbrella]:
    """The bodies a named one may come under ("Hội Phụ nữ" under the Mặt trận, "Công an xã" under Công
    an tỉnh, "trường học" under Sở Giáo dục or, in a commune's plan, Phòng Văn hóa - Xã hội)."""
    padded = f" {norm} "
    found = []
    for umbrella in phrases().umbrellas:
        for words, name in sorted(umbrella["members"].items(), key=lambda m: -len(m[0])):
            if f" {words} " in padded:
                found.append(Umbrella(name, umbrella["umbrella"], tuple(umbrella.get("mentions", ()))))
                break
    return found


def mentions_of(text_norm: str, phrases_: tuple[str, ...]) -> bool:
    """Tell whether a task's folded text names one of ``phrases_`` ("Công an các xã" names "cong an xa")."""
    words = f" {' '.join(w for w in text_norm.split() if w != 'cac')} "
    return any(f" {p} " in words for p in phrases_)


def named_span(tokens: Sequence[str]) -> str | None:
    """The words that name a body in the question ("so cong thuong"), whether or not the plan has it."""
    p = phrases()
    heads = sorted((tuple(h.split()) for h in p.span_heads), key=len, reverse=True)
    for i in range(len(tokens)):
        for head in heads:
            if tuple(tokens[i : i + len(head)]) != head:
                continue
            span = list(head)
            for t in tokens[i + len(head) :]:
                if t in p.span_stops or len(span) >= 8:
                    break
                span.append(t)
            if len(span) >= 2:
                return " ".join(span)
    return None


def closest_names(span: str, k: Knowledge, plan_ids: list[int], limit: int = 3) -> list[str]:
    """The plan's unit names nearest to ``span`` (for "did you mean")."""
    wanted = set(plan_ids)
    names = {u.name: " ".join(u.tokens) for u in k.units.values() if k.unit_plans.get(u.id, set()) & wanted}
    query = " ".join(t for t in span.split() if t not in phrases().unit_stop_tokens)
    found = process.extract(query, names, scorer=fuzz.token_set_ratio, limit=limit, score_cutoff=40)
    return [name for _choice, _score, name in found]


_WORD = re.compile(r"[\w&-]+")


def original_words(text: str, span: str) -> str:
    """The words of ``text`` that fold to ``span``, as the user wrote them ("Sở Công Thương")."""
    words = _WORD.findall(text)
    folded = [normalize(w) for w in words]
    for i in range(len(words)):
        for j in range(i + 1, min(len(words), i + 12) + 1):
            if " ".join(f for f in folded[i:j] if f) == span:
                return " ".join(words[i:j])
    return span
