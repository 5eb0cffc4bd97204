"""``/sdt``: a registered person sets, shows or clears their own work phone, so the province can call them.

The number is an official's work contact: the province summary of communes shows it beside the commune
police officer to call (handlers/province_summary.py); nobody else is shown it, and it is never logged.
"""

from __future__ import annotations

from conversations.engine import Outcome
from handlers.commands import Call
from locales.i18n import _
from locales.messages import Reply
from locales.vietnamese import fold
from storage.phones import normalise_phone, phone_of, set_phone

# "/sdt xoá", "/sdt xóa số", "/sdt clear": the folded first word asks to remove the number.
CLEAR_WORDS = frozenset({"xoa", "bo", "huy", "clear", "delete", "remove"})


def _how() -> str:
    return _("To set it: /sdt 0912 345 678; to remove it: /sdt xoa.")


async def phone_command(call: Call) -> list[Reply] | Outcome | None:
    """``/sdt``: show the number; ``/sdt 0912 345 678``: set it; ``/sdt xoa``: clear it."""
    person_id = call.member.person_id
    argument = call.argument.strip()
    if not argument:
        current = await phone_of(call.session, person_id)
        if current is None:
            return [Reply(_("You have not given a contact number yet. The province's leaders see the commune "
                            "police officers' numbers when a commune's report is missing.") + "\n" + _how())]
        return [Reply(_("Your contact number: {phone}. Only the province's leaders see it, in the summary of "
                        "the communes' reports.").format(phone=current) + "\n" + _how())]
    words = fold(argument).split()
    if words and words[0] in CLEAR_WORDS:
        if await set_phone(call.session, person_id, None):
            return [Reply(_("Your contact number was removed."))]
        return [Reply(_("You have no contact number to remove."))]
    phone = normalise_phone(argument)
    if phone is None:
        # The typed text is not repeated: it may be someone else's number or anything at all.
        return [Reply(_("That is not a Vietnamese mobile number. Please send the 10 digits, for example "
                        "/sdt 0912 345 678 (or +84 912 345 678)."))]
    await set_phone(call.session, person_id, phone)
    return [Reply(_("Saved: {phone}. Only the province's leaders see it, when they need to call about the "
                    "commune's report. /sdt xoa removes it.").format(phone=phone))]
