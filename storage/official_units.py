"""The official list of provinces and communes (vietnam-provinces, after the merger of 1 July 2025), found by
what people type: without diacritics, with or without "Xã", "P.", "TT.", "Tỉnh", "TP."."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from vietnam_provinces import Province, VietNamDivisionType, Ward

from locales.vietnamese import fold, nfc

VOCABULARY = Path(__file__).with_name("units_vocabulary.json")
# A typo is corrected only when the guess is this close (rapidfuzz ratio) and clearly ahead of the next:
# a commune must never be swapped silently for its neighbour ("Quỳ Hợp" / "Quỳ Châu" score 67).
ACCEPT_SCORE = 90
SUGGEST_SCORE = 60
_NOT_WORD = re.compile(r"[^a-z0-9]+")
# The kind a commune prefix says; "thị trấn" (towns, abolished in 2025) and unknown prefixes say nothing.
_PREFIX_KIND = {"xa": "xã", "x.": "xã", "x": "xã", "phuong": "phường", "p.": "phường", "p": "phường",
                "dac khu": "đặc khu", "dk.": "đặc khu"}


@dataclass(frozen=True)
class OfficialProvince:
    """A province or centrally-run city of the official list."""

    code: int
    name: str  # as the list writes it: "Nghệ An", "Thành phố Hà Nội"
    is_city: bool

    @property
    def full_name(self) -> str:
        """The name with its kind, as units are named in the bot: "Tỉnh Nghệ An", "Thành phố Hà Nội"."""
        return self.name if self.is_city else f"Tỉnh {self.name}"

    @property
    def code_text(self) -> str:
        """The official two-digit code ("40")."""
        return f"{self.code:02d}"


@dataclass(frozen=True)
class OfficialCommune:
    """A commune, ward or special zone (xã, phường, đặc khu) of the official list."""

    code: int
    name: str  # "Xã Quỳ Hợp", "Phường Trường Vinh"
    kind: str  # "xã", "phường", "đặc khu"
    province_code: int

    @property
    def code_text(self) -> str:
        """The official five-digit code ("17035")."""
        return f"{self.code:05d}"


@dataclass(frozen=True)
class ProvinceMatch:
    """What a typed province name turned out to be: one province, a former one, or nothing (with suggestions)."""

    province: OfficialProvince | None
    suggestions: tuple[str, ...] = ()
    now_part_of: OfficialProvince | None = None  # a province merged away on 01/7/2025


@dataclass(frozen=True)
class CommuneMatch:
    """What a typed commune name turned out to be inside one province."""

    commune: OfficialCommune | None
    suggestions: tuple[str, ...] = ()
    # Communes of that name in other provinces: "not in this province" rather than "unknown".
    elsewhere: tuple[OfficialCommune, ...] = field(default=())
    ambiguous: bool = False  # "Hòa Bình" is both a xã and a phường of the province


@cache
def vocabulary() -> dict[str, Any]:
    """The unit words of ``units_vocabulary.json`` (prefixes, hamlet kinds, headers, former provinces)."""
    data: dict[str, Any] = json.loads(VOCABULARY.read_text(encoding="utf-8"))
    return data


def _split_prefix(text: str, prefixes: list[str]) -> tuple[str, str | None]:
    """The folded key of ``text`` without its kind prefix, and the prefix found."""
    folded = fold(nfc(text))
    for prefix in sorted(prefixes, key=len, reverse=True):
        if folded.startswith(prefix + " ") or (prefix.endswith(".") and folded.startswith(prefix)):
            rest = folded[len(prefix):]
            key = _NOT_WORD.sub(" ", rest).strip()
            if key:
                return key, prefix
    return _NOT_WORD.sub(" ", folded).strip(), None


def province_key(text: str) -> str:
    """The form a province name is compared in: folded, no "Tỉnh"/"TP.", no punctuation."""
    return _split_prefix(text, vocabulary()["province_prefixes"])[0]


def commune_key(text: str) -> tuple[str, str | None]:
    """The form a commune name is compared in, and the kind its prefix says ("xã", "phường"…) if any."""
    key, prefix = _split_prefix(text, vocabulary()["commune_prefixes"])
    return key, _PREFIX_KIND.get(prefix or "")


def _official(item: Province) -> OfficialProvince:
    return OfficialProvince(int(item.code), item.name, item.division_type == VietNamDivisionType.THANH_PHO_TRUNG_UONG)


@cache
def provinces() -> dict[str, OfficialProvince]:
    """Every official province by its key."""
    found: dict[str, OfficialProvince] = {}
    for item in Province.iter_all():
        found[province_key(item.name)] = _official(item)
    return found


@cache
def _province_names() -> dict[str, OfficialProvince]:
    """The official provinces by key, and by the other names people use ("TP.HCM", "Thừa Thiên Huế")."""
    found = dict(provinces())
    by_name = {p.name: p for p in found.values()}
    for alias, name in vocabulary()["province_aliases"].items():
        found.setdefault(province_key(alias), by_name[name])
    return found


@cache
def _former_provinces() -> dict[str, OfficialProvince]:
    by_name = {p.name: p for p in Province.iter_all()}
    return {province_key(old): _official(by_name[new]) for old, new in vocabulary()["former_provinces"].items()}


@cache
def _communes() -> dict[int, dict[str, list[OfficialCommune]]]:
    """Every official commune, by province code then key (a key may name a xã and a phường)."""
    found: dict[int, dict[str, list[OfficialCommune]]] = {}
    for item in Ward.iter_all():
        commune = OfficialCommune(int(item.code), item.name, item.division_type.value, int(item.province_code))
        found.setdefault(commune.province_code, {}).setdefault(commune_key(item.name)[0], []).append(commune)
    return found


def communes_of(province: OfficialProvince) -> list[OfficialCommune]:
    """The communes of ``province`` in the official list's order."""
    return [c for group in _communes().get(province.code, {}).values() for c in group]


def _close(key: str, keys: list[str]) -> str | None:
    """The one key that is clearly ``key`` with a typo, if any."""
    scored = process.extract(key, keys, scorer=fuzz.ratio, limit=2, score_cutoff=ACCEPT_SCORE)
    if len(scored) == 1 or (len(scored) == 2 and scored[0][1] - scored[1][1] >= 5):
        return str(scored[0][0])
    return None


def _suggest(key: str, keys: list[str], limit: int = 3) -> list[str]:
    return [str(k) for k, _, _ in process.extract(key, keys, scorer=fuzz.WRatio, limit=limit,
                                                 score_cutoff=SUGGEST_SCORE)]


def find_province(text: str) -> ProvinceMatch:
    """Find the province ``text`` names ("Nghe An", "tỉnh Nghệ An", "TP. Hà Nội"; "Hà Giang" → now part of)."""
    key = province_key(text)
    known = _province_names()
    if key in known:
        return ProvinceMatch(known[key])
    former = _former_provinces()
    close = _close(key, [*known, *former])
    if close is not None:
        return ProvinceMatch(known[close]) if close in known else ProvinceMatch(None, now_part_of=former[close])
    official = provinces()
    return ProvinceMatch(None, suggestions=tuple(official[k].full_name for k in _suggest(key, list(official))))


def find_commune(text: str, province: OfficialProvince) -> CommuneMatch:
    """Find the commune ``text`` names inside ``province`` ("xa Quy Hop", "P. Trường Vinh", "Quỳ Hợp")."""
    key, kind = commune_key(text)
    inside = _communes().get(province.code, {})
    candidates = inside.get(key)
    if candidates is None:
        close = _close(key, list(inside))
        candidates = inside[close] if close is not None else None
    if candidates:
        if len(candidates) > 1 and kind is not None:
            candidates = [c for c in candidates if c.kind == kind] or candidates
        if len(candidates) == 1:
            return CommuneMatch(candidates[0])
        return CommuneMatch(None, suggestions=tuple(c.name for c in candidates), ambiguous=True)
    elsewhere = tuple(c for code, group in _communes().items() if code != province.code
                      for c in group.get(key, []))
    suggestions = tuple(c.name for k in _suggest(key, list(inside)) for c in inside[k])
    return CommuneMatch(None, suggestions=suggestions, elsewhere=elsewhere)


def province_by_code(code: int) -> OfficialProvince:
    """The province of an official code (a commune's ``province_code``)."""
    return next(p for p in provinces().values() if p.code == code)
