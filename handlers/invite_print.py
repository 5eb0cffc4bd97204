"""Invite cards on A4 for printing: a PDF (fpdf2) and a Word file (python-docx), 2 × 4 cards a page.

Black on white only (they are photocopied), a QR code image per card, the text in the current
language (the CLI prints them in Vietnamese). The fonts are DejaVu Sans, shipped with matplotlib,
because the PDF core fonts have no Vietnamese letters.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import segno
from docx import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell
from fpdf import FPDF

from handlers.invite_cards import InviteCard
from locales.i18n import _

COLUMNS = 2
ROWS = 4
PER_PAGE = COLUMNS * ROWS
# A4 in millimetres, cut into equal cards: the dashed borders are the cutting lines.
PAGE_W, PAGE_H = 210.0, 297.0
CARD_W, CARD_H = PAGE_W / COLUMNS, PAGE_H / ROWS
PAD = 5.0
QR_MM = 36.0
FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def qr_png(link: str) -> bytes:
    """The QR code of ``link`` as a black-and-white PNG (error correction M survives a photocopy)."""
    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


def _lines(card: InviteCard) -> dict[str, str]:
    """The card's words, each through the catalogs."""
    return {
        "title": _("INVITATION: DRUG-PREVENTION REPORTING BOT"),
        "role": _("Role: {role}").format(role=card.role_label),
        "code": _("Code: {code}").format(code=card.code),
        "expires": _("Valid until: {date}").format(date=card.expires_label),
        "telegram": _("Telegram: scan the QR code with the phone's camera, press Start."),
        "zalo1": _("Zalo: open the bot's Zalo account (ask the commune police for it),"),
        "zalo2": _("then send it the message: {code}").format(code=card.code),
    }


def cards_pdf(cards: Sequence[InviteCard]) -> bytes:
    """All cards on A4 pages, 2 × 4 a page, each with its QR code image."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_draw_color(0)
    pdf.set_text_color(0)
    for index, card in enumerate(cards):
        if index % PER_PAGE == 0:
            pdf.add_page()
        slot = index % PER_PAGE
        _pdf_card(pdf, card, (slot % COLUMNS) * CARD_W, (slot // COLUMNS) * CARD_H)
    return bytes(pdf.output())


def _pdf_card(pdf: FPDF, card: InviteCard, x: float, y: float) -> None:
    words = _lines(card)
    with pdf.local_context():
        pdf.set_line_width(0.2)
        pdf.set_dash_pattern(dash=2, gap=1.5)
        pdf.rect(x + 1, y + 1, CARD_W - 2, CARD_H - 2)
    pdf.set_font("DejaVu", "B", 7.5)
    pdf.set_xy(x + PAD, y + PAD)
    pdf.cell(CARD_W - 2 * PAD, 4, words["title"], align="C")
    qr_top = y + PAD + 5
    pdf.image(io.BytesIO(qr_png(card.link)), x=x + PAD, y=qr_top, w=QR_MM, h=QR_MM)
    text_x = x + PAD + QR_MM + 3
    text_w = CARD_W - (text_x - x) - PAD
    pdf.set_xy(text_x, qr_top + 2)
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(text_w, 5, card.unit, align="L", new_x="LEFT", new_y="NEXT", max_line_height=5)
    pdf.set_font("DejaVu", "", 9)
    pdf.set_x(text_x)
    pdf.multi_cell(text_w, 4.5, words["role"], align="L", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 13)
    pdf.set_x(text_x)
    pdf.cell(text_w, 8, words["code"], new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.set_x(text_x)
    pdf.cell(text_w, 5, words["expires"], new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 6)
    pdf.set_xy(x + PAD, qr_top + QR_MM)
    pdf.cell(CARD_W - 2 * PAD, 3, card.link)
    pdf.set_font("DejaVu", "", 8.5)
    pdf.set_xy(x + PAD, qr_top + QR_MM + 4)
    for key in ("telegram", "zalo1", "zalo2"):
        pdf.set_x(x + PAD)
        pdf.multi_cell(CARD_W - 2 * PAD, 4.2, words[key], align="L", new_x="LEFT", new_y="NEXT")


def cards_docx(cards: Sequence[InviteCard]) -> bytes:
    """All cards in a Word table on A4, 2 × 4 a page, each with its QR code as a picture (editable)."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(0.8)
    section.left_margin = section.right_margin = Cm(0.8)
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(8)
    normal.paragraph_format.space_after = Pt(0)
    rows = (len(cards) + COLUMNS - 1) // COLUMNS
    table = document.add_table(rows=rows, cols=COLUMNS)
    table.style = "Table Grid"
    for row in table.rows:
        # Exactly a quarter of the printable height, never split over two pages.
        row.height = Cm(6.9)
        row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for index, card in enumerate(cards):
        _docx_card(table.cell(index // COLUMNS, index % COLUMNS), card)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_card(cell: _Cell, card: InviteCard) -> None:
    words = _lines(card)
    cell.width = Cm(9.7)
    title = cell.paragraphs[0]
    title.alignment = 1  # centred
    title.add_run(words["title"]).bold = True
    inner = cell.add_table(rows=1, cols=2)
    left, right = inner.rows[0].cells
    left.width, right.width = Cm(3.7), Cm(5.8)
    left.paragraphs[0].add_run().add_picture(io.BytesIO(qr_png(card.link)), width=Cm(3.5))
    unit = right.paragraphs[0].add_run(card.unit)
    unit.bold, unit.font.size = True, Pt(11)
    right.add_paragraph(words["role"])
    code = right.add_paragraph().add_run(words["code"])
    code.bold, code.font.size = True, Pt(13)
    right.add_paragraph(words["expires"])
    link = cell.add_paragraph().add_run(card.link)
    link.font.size = Pt(6)
    for key in ("telegram", "zalo1", "zalo2"):
        cell.add_paragraph(words[key])
    _no_borders(inner._tbl)


def _no_borders(table: object) -> None:
    """Hide the borders of the card's inner table (only the card's own border is a cutting line)."""
    tbl_pr = table.tblPr  # type: ignore[attr-defined]
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)
