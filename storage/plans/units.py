"""Recognise the units a plan names: agency headings, lists of agencies, and kinds of unit."""

from __future__ import annotations

import re

from locales.vietnamese import fold
from storage.plans.parsed import ParsedUnit
from storage.plans.vocabulary import pattern, vocabulary

_PAREN = re.compile(r"\s*\([^)]*\)")
_REPEAT = re.compile(r"\b(\w+) \1\b")
_MAX_HEADING_WORDS = 40


def starts_with_agency(text: str) -> bool:
    """Tell whether ``text`` opens with a word that names a body (Công an, Sở, Ban, UBND…)."""
    folded = fold(text) + " "
    return any(folded.startswith(head) for head in vocabulary().agency_heads)


def _strip_requested(text: str) -> tuple[str, bool]:
    folded = fold(text)
    for prefix in vocabulary().requested_prefixes:
        if folded.startswith(prefix + " "):
            return text[len(prefix) + 1 :].strip(), True
    return text, False


def clean_name(text: str) -> str:
    """Tidy a unit name as written: no parenthetical remark, no trailing punctuation, no doubled word."""
    name = _PAREN.sub("", text).strip(" .;:,-–")
    return _REPEAT.sub(r"\1", name)


def group_kinds(text: str) -> list[str]:
    """The kinds of unit a phrase stands for ("UBND các xã, phường" → ["commune"])."""
    folded = fold(text)
    return [kind for kind, patterns in vocabulary().kind_groups.items() if any(p.search(folded) for p in patterns)]


def split_units(text: str) -> list[ParsedUnit]:
    """Split "Sở Văn hóa, Thể thao và Du lịch, Đài PT-TH, Báo Đồng Nai" into the units it lists."""
    body, requested = _strip_requested(clean_name(text))
    vocab = vocabulary()
    kinds = group_kinds(body)
    parts: list[str] = []
    skipping = False
    for piece in pattern("unit_separator").split(body):
        piece = piece.strip(" .")
        if not piece:
            continue
        # A piece that does not open with a body's name continues the previous one ("Thể thao và Du lịch").
        folded_piece = fold(piece)
        for prefix in vocab.requested_prefixes:
            if folded_piece.startswith(prefix + " "):
                folded_piece = folded_piece[len(prefix) + 1 :]
        if folded_piece.startswith(vocab.group_prefix) and any(g in folded_piece for g in vocab.generic_parts):
            skipping = True  # "… và (đề nghị) các cơ quan có liên quan …": nobody in particular
            continue
        if skipping and not starts_with_agency(folded_piece):
            continue
        skipping = False
        # "… và các tổ chức thành viên" belongs to the body before it; "các cơ sở giáo dục" stands alone.
        loose_group = any(folded_piece.startswith(c) for c in vocab.group_continuations)
        # "UBND cấp huyện, cấp xã": a bare level continues the name before it.
        level_only = folded_piece in vocab.level_phrases and bool(parts) and " cap " in f" {fold(parts[-1])} "
        if level_only:
            parts[-1] = f"{parts[-1]}, {piece}"
            continue
        if parts and (not starts_with_agency(piece) or len(piece.split()) < 2 or loose_group):
            joined = re.search(re.escape(parts[-1]) + pattern("unit_joiner").pattern + re.escape(piece), body)
            sep = joined.group(1) if joined else ", "
            parts[-1] = parts[-1] + sep + piece
        else:
            parts.append(piece)
    units: list[ParsedUnit] = []
    dropped = False
    for part in parts:
        folded = fold(part)
        if any(folded.endswith(g) or folded == g for g in vocab.generic_parts):
            dropped = True
            continue  # "các đơn vị có liên quan" names nobody in particular
        part_kinds = group_kinds(part)
        if part_kinds:
            units.extend(ParsedUnit(name=part, kind=k, requested=requested) for k in part_kinds)
        elif starts_with_agency(part):
            units.append(ParsedUnit(name=part, requested=requested))
    if not units and kinds and not dropped:
        units = [ParsedUnit(name=body, kind=k, requested=requested) for k in kinds]
    return units


def heading_units(text: str) -> tuple[list[ParsedUnit], str] | None:
    """If ``text`` (a numbered/lettered line without its marker) is an agency heading, return its units
    and any task written inline after a colon ("Sở Tư pháp: Chủ trì …")."""
    body, _ = _strip_requested(text)
    if not starts_with_agency(body):
        return None
    head, inline = text, ""
    if ":" in text:
        head, inline = text.split(":", 1)
        inline = inline.strip()
        if not inline and pattern("list_intro").search(fold(head)):
            return None  # "Các xã thực hiện … gồm:" introduces a list of names, not of tasks
    if len(head.split()) > _MAX_HEADING_WORDS or ";" in head:
        return None
    if not inline and re.search(r"[.!?]\s+\w", head):
        return None
    units = split_units(head)
    if not units:
        return None
    # A sentence ("Các phòng, ban … tổ chức quán triệt …") is longer than a name: be strict on length.
    if any(len(u.name.split()) > 20 for u in units):
        return None
    return units, inline
