"""``/maumau`` (or “mẫu danh sách thôn”): the sample hamlet sheet, as a file (a link where uploads are missing)."""

from __future__ import annotations

import asyncio

from conversations.engine import Outcome
from handlers.commands import Call
from locales.i18n import _
from locales.messages import Attachment, Reply
from storage.units_template import template_xlsx

TEMPLATE_NAME = "mau-danh-sach-thon.xlsx"


async def template_command(call: Call) -> list[Reply] | Outcome | None:
    """Send the sample sheet with a line on how to fill it in and send it back."""
    # openpyxl is slow to import and CPU-bound to write: off the event loop.
    content = await asyncio.to_thread(template_xlsx)
    caption = _("The sample hamlet list: one row per hamlet of your commune. Fill it in Excel, then send the "
                "file back here: I show what will change before anything is saved.")
    return [Reply(caption, attachment=Attachment(TEMPLATE_NAME, content, "document"))]
