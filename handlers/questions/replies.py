"""Phone-sized replies: numbered blocks packed into messages under Telegram's 4096 characters."""

from __future__ import annotations

from handlers.questions.knowledge import PlanInfo
from locales.i18n import _
from locales.messages import Reply

# One message stays under this (a phone screen or two; far under the 4096 Telegram allows).
LIMIT = 3500


def pack(blocks: list[str], footer: str) -> list[Reply]:
    """Join ``blocks`` into as few messages as fit; ``footer`` (the source) ends the last one."""
    messages: list[str] = []
    current = ""
    room = LIMIT - 40  # for "(1/2, xem tiếp bên dưới)"
    for block in [b for b in (*blocks, footer) if b]:
        block = block if len(block) <= room else block[: room - 1] + "…"
        if current and len(current) + 2 + len(block) > room:
            messages.append(current)
            current = block
        else:
            current = f"{current}\n\n{block}" if current else block
    if current:
        messages.append(current)
    if len(messages) > 1:
        total = len(messages)
        messages = [
            m + "\n" + _("({n}/{total}, continued below)").format(n=i + 1, total=total) if i + 1 < total else m
            for i, m in enumerate(messages)
        ]
    return [Reply(m) for m in messages]


# The direct answer, the first message, stays within this many characters (a phone screen).
FIRST = 600


def phone(first: list[str], rest: list[str], footer: str) -> list[Reply]:
    """The direct answer (``first``, cut to one screen) then the longer text (``rest``) and the source;
    one message when everything fits on a screen."""
    head = "\n".join(first)
    whole = "\n\n".join(b for b in (head, *rest, footer) if b)
    if len(whole) <= FIRST + 50:
        return [Reply(whole)]
    if len(head) > FIRST:
        head = head[: FIRST - 1].rsplit(" ", 1)[0] + "…"
    return [Reply(head), *pack(rest, footer)]


def project_label(code: str) -> str:
    """ "7.2" → "Dự án 7 – Tiểu dự án 2"; "5" → "Dự án 5"."""
    if "." in code:
        main, sub = code.split(".", 1)
        return _("Project {main}, sub-project {sub}").format(main=main, sub=sub)
    return _("Project {main}").format(main=code)


def cite(plan: PlanInfo) -> str:
    """The source line: "Theo Kế hoạch số 107/KH-UBND ngày 12/02/2026"."""
    if plan.number and plan.issued_on:
        return _("According to Plan No. {number} dated {date}").format(
            number=plan.number, date=f"{plan.issued_on:%d/%m/%Y}"
        )
    if plan.number:
        return _("According to Plan No. {number} of {issuer}").format(number=plan.number, issuer=plan.issuer)
    if plan.issued_text:
        return _("According to the plan of {issuer}, month {month}").format(issuer=plan.issuer, month=plan.issued_text)
    title = plan.title if len(plan.title) <= 90 else plan.title[:89] + "…"
    return _("According to the plan of {issuer}: {title}").format(issuer=plan.issuer, title=title)
