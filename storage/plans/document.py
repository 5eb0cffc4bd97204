"""Turn a plan file (text, Markdown or .docx) into clean paragraphs and table rows.

Scraped plans are noisy: Markdown markers, page breaks that cut a sentence in two, an opening block
printed twice, tables whose cells come one per line between ``|`` lines. This module undoes that and
numbers the paragraphs so every extracted item can point back at its source.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from locales.vietnamese import fold, nfc

_MD_HEADING = re.compile(r"^#+\s*")
_EMPHASIS = re.compile(r"\*+|_{2,}")
_SPACES = re.compile(r"[ \t\u00a0]+")
_TERMINAL = '.;:!?…)”"»|'
_PIPE_ONLY = re.compile(r"^\|+$")
# A paragraph already seen this long is a duplicated block, not a repeated sentence.
_DEDUP_MIN = 60


@dataclass
class Paragraph:
    """One paragraph of running text with its number in the document."""

    number: int
    text: str


@dataclass
class TableRegion:
    """A table written one cell per line: ``rows`` of cell texts, plus the title paragraphs before it."""

    title: str
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Document:
    """The body paragraphs (up to the signature block) and the tables of a plan."""

    paragraphs: list[Paragraph]
    tables: list[TableRegion]
    head: list[str]  # the first lines, raw, for the number and date


# Limits of what a plan file may be (the largest real plan seen: 54 KB of text, 30,000 characters).
# A .docx is a zip: its parts are checked as declared in the zip's directory before anything is
# unpacked (zipfile never inflates a part beyond its declared size), so a 210 KB file that unpacks
# to 47 MB is refused in microseconds instead of freezing the bot.
MAX_FILE_BYTES = 5_000_000  # what the transports download
MAX_UNPACKED_BYTES = 20_000_000  # every part of a .docx together, pictures included
MAX_XML_BYTES = 8_000_000  # the parts python-docx parses (document.xml, styles, …)
MAX_RATIO = 100  # a part of over 1 MB may be at most this many times its compressed size
MAX_PARTS = 2_000
MAX_TEXT_CHARS = 200_000  # about 60 pages, seven times the longest real plan
_RATIO_FROM = 1_000_000


class TooLarge(ValueError):
    """A plan file over one of the limits: ``what`` is "file", "unpacked" or "text"; ``size`` and
    ``limit`` are in bytes ("file", "unpacked") or characters ("text")."""

    def __init__(self, what: str, size: int, limit: int) -> None:
        super().__init__(f"{what}: {size} > {limit}")
        self.what, self.size, self.limit = what, size, limit


def check_docx(content: bytes) -> None:
    """Raise ``TooLarge`` when the .docx ``content`` would unpack to more than the limits allow
    (declared sizes, compression ratio, number of parts); ``zipfile.BadZipFile`` when it is no zip."""
    if len(content) > MAX_FILE_BYTES:
        raise TooLarge("file", len(content), MAX_FILE_BYTES)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        raise TooLarge("unpacked", sum(p.file_size for p in parts), MAX_UNPACKED_BYTES)
    total = sum(p.file_size for p in parts)
    xml = sum(p.file_size for p in parts if p.filename.lower().endswith((".xml", ".rels")))
    if total > MAX_UNPACKED_BYTES or xml > MAX_XML_BYTES:
        raise TooLarge("unpacked", total, MAX_UNPACKED_BYTES if total > MAX_UNPACKED_BYTES else MAX_XML_BYTES)
    for part in parts:
        if part.file_size > _RATIO_FROM and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise TooLarge("unpacked", total, MAX_RATIO * max(part.compress_size, 1))


def check_text(text: str) -> str:
    """Return ``text``; raise ``TooLarge`` when it is longer than a plan can be."""
    if len(text) > MAX_TEXT_CHARS:
        raise TooLarge("text", len(text), MAX_TEXT_CHARS)
    return text


def read_text(path: Path) -> str:
    """Read a plan file: .docx through python-docx (paragraphs and tables), anything else as UTF-8 text.

    Raises ``TooLarge`` for a file over the limits (the file's size is checked before it is read)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise TooLarge("file", size, MAX_FILE_BYTES)
    if path.suffix.lower() == ".docx":
        return docx_text(path.read_bytes())
    return check_text(path.read_text(encoding="utf-8", errors="replace"))


def docx_text(content: bytes) -> str:
    """Flatten a .docx into text: paragraphs in order, tables as Markdown rows. Checks the limits
    first (``TooLarge``); this is CPU-bound work: call it off the event loop (a worker thread)."""
    import docx  # python-docx; imported here so text imports never pay for it

    check_docx(content)
    document = docx.Document(io.BytesIO(content))
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append("".join(node.text or "" for node in child.iter() if node.tag.endswith("}t")))
            lines.append("")
        elif tag == "tbl":
            table = docx.table.Table(child, document)
            for row in table.rows:
                cells = [c.text.replace("\n", " ").strip() for c in row.cells]
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
    return check_text("\n".join(lines))


def _clean_line(line: str) -> str:
    line = nfc(line).replace("\ufffd", "")
    line = _MD_HEADING.sub("", line.strip())
    line = _EMPHASIS.sub("", line)
    return _SPACES.sub(" ", line).strip()


def _is_pipe_line(line: str) -> bool:
    return bool(_PIPE_ONLY.match(line)) or line.endswith("|") or line.startswith("|")


_LIST_MARKER = re.compile(r"^[a-zđ]\)\s")


def _starts_lower(text: str) -> bool:
    if _LIST_MARKER.match(text):
        return False  # "a) …" opens an item, it does not continue a sentence
    first = text[:1]
    return first.isalpha() and first.islower()


def parse_document(raw: str) -> Document:
    """Split ``raw`` into numbered paragraphs and table regions."""
    lines = [_clean_line(line) for line in raw.splitlines()]
    blocks: list[tuple[str, object]] = []  # ("p", text) or ("t", TableRegion)
    i = 0
    pending_title: list[str] = []
    while i < len(lines):
        line = lines[i]
        if not line:
            i += 1
            continue
        if _is_pipe_line(line):
            region, i = _read_region(lines, i)
            region.title = " ".join(pending_title[-3:])
            blocks.append(("t", region))
            pending_title = []
            continue
        blocks.append(("p", line))
        pending_title.append(line)
        i += 1
    paragraphs: list[Paragraph] = []
    tables: list[TableRegion] = []
    seen: set[str] = set()
    ended = False
    texts: list[str] = []
    for kind, value in blocks:
        if kind == "t":
            assert isinstance(value, TableRegion)
            tables.append(value)
            if any(_is_end(cell) for row in value.rows for cell in row):
                ended = True
            continue
        assert isinstance(value, str)
        if ended or _is_end(value):
            ended = True
            continue
        # A page break cut the sentence: glue the tail back on.
        if texts and texts[-1][-1:] not in _TERMINAL and _starts_lower(value):
            texts[-1] = texts[-1] + " " + value
            continue
        texts.append(value)
    for text in texts:
        key = fold(text)
        if len(key) >= _DEDUP_MIN:
            if key in seen:
                continue
            seen.add(key)
        paragraphs.append(Paragraph(len(paragraphs) + 1, text))
    head = [line for line in lines[:40] if line]
    return Document(paragraphs, tables, head)


def _is_end(text: str) -> bool:
    from storage.plans.vocabulary import vocabulary

    folded = fold(text).strip("| ")
    return any(folded.startswith(word) for word in vocabulary().body_end)


def _read_region(lines: list[str], start: int) -> tuple[TableRegion, int]:
    """Read a run of pipe lines (a text line followed by a pipe line belongs to it: a split cell)."""
    region = TableRegion(title="")
    row: list[str] = []
    i = start
    while i < len(lines):
        line = lines[i]
        if not line:
            i += 1
            continue
        if _is_pipe_line(line):
            if _PIPE_ONLY.match(line):
                if row:
                    region.rows.append(row)
                row = []
            elif line.startswith("|") and line.count("|") >= 2:
                # A proper Markdown row: "| a | b |".
                if row:
                    region.rows.append(row)
                cells = [c.strip() for c in line.strip("|").split("|")]
                if not all(set(c) <= set("-: ") for c in cells):
                    region.rows.append(cells)
                row = []
            else:
                row.append(line.rstrip("|").strip())
            i += 1
            continue
        nxt = next((lines[j] for j in range(i + 1, len(lines)) if lines[j]), "")
        if nxt and _is_pipe_line(nxt) and not _PIPE_ONLY.match(nxt):
            row.append(line)  # a cell whose closing "|" was lost
            i += 1
            continue
        break
    if row:
        region.rows.append(row)
    return region, i
