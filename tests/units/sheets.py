"""Hamlet sheets written for the tests: CSV in any encoding Excel uses, and workbooks with their quirks."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HEADER = ["Tỉnh", "Xã/Phường", "Thôn/Xóm/Bản/Tổ dân phố", "Loại", "Dân số"]
QUY_HOP = [
    ["Nghệ An", "Xã Quỳ Hợp", "Xóm Đồng Tâm", "xóm", "1250"],
    ["Nghệ An", "Xã Quỳ Hợp", "Bản Mới", "", "830"],
    ["Nghệ An", "Xã Quỳ Hợp", "5", "xóm", ""],
]
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258(text: str) -> bytes:
    """``text`` as Vietnamese Windows' Excel saves a CSV: code page 1258, tones as combining marks."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out += base.encode("cp1258") + "".join(c for c in parts if c in _TONES).encode("cp1258")
    return out


def write_csv(path: Path, rows: Sequence[Sequence[str]], encode: Callable[[str], bytes] | None = None,
              delimiter: str = ",") -> Path:
    """Write ``rows`` as a CSV (UTF-8 with BOM unless ``encode`` says otherwise)."""
    text = "\r\n".join(delimiter.join(f'"{c}"' if delimiter in c or '"' in c else c for c in row)
                       for row in rows) + "\r\n"
    path.write_bytes(encode(text) if encode else b"\xef\xbb\xbf" + text.encode("utf-8"))
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], merge: str | None = None) -> Path:
    """Write ``rows`` as a workbook, optionally with the cells of ``merge`` ("B2:B4") merged."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    book.save(path)
    return path
