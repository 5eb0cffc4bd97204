"""The monthly report: names the hamlet and period, asks each indicator, checks, confirms, saves.

Steps: ``period`` (the month picker, in the first days of a month) → ``ask`` (one indicator at a
time) with ``check`` ("3 người, đúng không?" for a reading to confirm) and ``jump`` (a figure far from
the last report: keep it?) → ``confirm`` (the summary) → ``edit`` (the list of items). ``cancel`` asks
once more before a typed word drops the answers. At every step a command or question
(``report_intents``) is answered and the dialog goes on where it was. The payload
(``report_payload.ReportPayload``) holds the answers so far; ``answered`` lists the items answered in
this dialog (rules never check an old figure of a correction that was not re-answered yet).

The commune police's report (``commune_questions``): a figure that is a sum of the hamlets' figures
is asked with the sum prefilled; keeping it is one word, another figure asks for a short ``reason``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conversations.commune_periods import not_picked_text as police_not_picked
from conversations.commune_periods import picked_period, police_menu, police_offered, report_deadline, start_period
from conversations.commune_questions import (
    built_from_line,
    hamlet_sums_for,
    moved_text,
    reason_lines,
    reason_question,
    sum_line,
)
from conversations.engine import Context, Effect, Outcome, State
from conversations.numbers import parse_count
from conversations.payloads import PayloadUnreadable
from conversations.privacy import NOTE_MAX_CHARS, NoteProblem, check_note
from conversations.report_intents import command, is_ambiguous_stop, item_choice, month_choice
from conversations.report_payload import Answer, ReportPayload
from conversations.report_period import (
    OFFER_PREVIOUS_UNTIL_DAY,
    month_buttons,
    month_menu,
    months_back,
    not_picked_text,
    offered_months,
    picked_month,
)
from conversations.report_text import (
    cancel_question,
    count_error_text,
    deadline_text,
    dialog_help,
    far_from_previous_text,
    period_name,
    previous_text,
    question_text,
    summary_lines,
    value_text,
)
from conversations.rules import cross_field_problem, is_far_from_previous
from conversations.vocabulary import says, says_only
from locales.i18n import _, fmt_datetime
from locales.messages import Button, Reply
from storage.models import Unit
from storage.periods import PeriodSpec, parse_period, period_of
from storage.reports import IndicatorView, latest_report, report_for

NAME = "report"
VERSION = ReportPayload.VERSION
# The named steps; a stored state in any other is not resumed.
STEPS = frozenset({"period", "ask", "check", "jump", "reason", "confirm", "edit", "cancel"})


@dataclass(frozen=True)
class SaveReport(Effect):
    """Store the confirmed answers as the unit's report for the period."""

    unit_id: int
    set_id: int
    period: PeriodSpec
    values: dict[str, int | None]
    note: str | None
    reasons: dict[str, str] = field(default_factory=dict)  # why a commune figure differs from its sum


# A reason is a short phrase ("2 người chuyển đi xã khác"), stored with the figure.
REASON_MAX_CHARS = 200


def _confirm_buttons() -> list[list[Button]]:
    return [
        [Button(_("Confirm"), "confirm")],
        [Button(_("Edit an item"), "edit")],
        [Button(_("Cancel"), "cancel")],
    ]


def _count(value: Answer) -> int | None:
    """The answer to a count (only a note's answer is text)."""
    if isinstance(value, str):
        raise TypeError("a count answered with text")
    return value


def _pending(data: ReportPayload) -> int:
    """The figure waiting for "yes" (``ReportDialog.load`` resumes no check or jump step without one)."""
    if data.pending is None:
        raise LookupError("no figure is waiting for a yes")
    return data.pending


def _cancelled() -> Outcome:
    return Outcome([Reply(_("Cancelled. Nothing was saved."))], None)


class ReportDialog:
    """The report dialog (see the module docstring)."""

    name = NAME
    version = VERSION

    def load(self, step: str, version: int, stored: Mapping[str, Any]) -> State[ReportPayload]:
        """The stored state, its payload upgraded from ``version`` (see ``report_payload``)."""
        if step not in STEPS:
            raise PayloadUnreadable(f"no step {step!r} in the report dialog")
        payload = ReportPayload.load(stored, version)
        if step in ("check", "jump", "reason") and payload.pending is None:
            raise PayloadUnreadable(f"step {step!r} without the figure it asks about")
        return State(NAME, step, payload, VERSION)

    async def _indicators(self, ctx: Context, data: ReportPayload) -> list[IndicatorView]:
        found = await ctx.cache.form_of(ctx.session, data.unit_id)
        if found is None or found[0] != data.set_id:
            raise LookupError("the unit's report form changed during the dialog")
        return found[1]

    async def start(self, ctx: Context, argument: str) -> Outcome:
        """Check the sender may report, then offer the period (or take the month named) and ask."""
        member = ctx.member
        unit = await ctx.session.get(Unit, member.unit_id)
        if unit is None or member.role not in ("reporter", "officer"):
            return Outcome([Reply(_("Only the reporter of a hamlet or an agency can file a report."))], None)
        found = await ctx.cache.form_of(ctx.session, unit.id)
        if found is None:
            return Outcome([Reply(_("No report form is configured for {unit} yet.").format(unit=unit.name))], None)
        set_id, _indicators = found
        today = ctx.local_now.date()
        current = period_of("month", today)
        data = ReportPayload(unit_id=unit.id, unit_name=unit.name, set_id=set_id, period=current.code,
                             current=current.code)
        police = await start_period(ctx, data, argument)  # the commune police: a month, quarter, half or year
        if isinstance(police, Reply):
            return Outcome([police], State(NAME, "period", data, VERSION))
        if police is not None:
            data.period = police.code
            return await self._begin_period(ctx, data)
        named = month_choice(argument, months_back(current)) if argument.strip() else None
        if named is not None:
            data.period = named.code
            return await self._begin_period(ctx, data)
        if today.day <= OFFER_PREVIOUS_UNTIL_DAY:
            data.offered_period = True
            return await self._offer_periods(ctx, data)
        return await self._begin_period(ctx, data)

    async def _offer_periods(self, ctx: Context, data: ReportPayload, prefix: str = "") -> Outcome:
        police = await police_offered(ctx, data)
        menu = await police_menu(ctx, data, police, prefix) if police else await month_menu(ctx, data, prefix)
        return Outcome([menu], State(NAME, "period", data, VERSION))

    async def _begin_period(self, ctx: Context, data: ReportPayload) -> Outcome:
        indicators = await self._indicators(ctx, data)
        existing = await report_for(ctx.session, data.unit_id, data.set_id, data.period)
        previous = await latest_report(ctx.session, data.unit_id, before=data.period)
        data.previous = previous.values if previous else {}
        data.previous_period = previous.period_code if previous else None
        data.deadline = await report_deadline(ctx, data.unit_id, parse_period(data.period))
        data.answered = []
        data.reasons = {}
        sums = await hamlet_sums_for(ctx, data, indicators)
        intro = [
            _("Report for {period} of {unit}: {count} questions.").format(
                period=period_name(data.period), unit=data.unit_name, count=len(indicators)
            ),
            _("Type a number for each. “back” returns to the previous question, “cancel” stops, "
              "“giúp” shows what else you can type."),
        ]
        built_from = built_from_line(data, sums)
        if built_from:
            intro.append(built_from)
        if existing is not None:
            data.existing = {**existing.values, "ghi_chu": existing.note}
            data.answers = dict(data.existing)
            intro.append(
                _("{unit} already reported for {period} (at {time}). What you send now is a correction: "
                  "the old figures are kept.").format(
                    unit=data.unit_name, period=period_name(data.period),
                    time=fmt_datetime(existing.updated_at.astimezone(ctx.timezone)),
                )
            )
            moved = moved_text(indicators, data, sums, existing.updated_at)
            if moved:
                intro.append(moved)
        else:
            # Not a correction, even if the month picked before (then left with "back") was one.
            data.existing = None
            data.answers = {}
        data.index = 0
        return Outcome([Reply("\n".join(intro)), self._ask(indicators, data)], State(NAME, "ask", data, VERSION))

    def _ask(self, indicators: list[IndicatorView], data: ReportPayload, prefix: str = "") -> Reply:
        indicator = indicators[data.index]
        # What was typed already (going back, editing, or the stored value of a correction).
        current = data.answers.get(indicator.code)
        text = question_text(indicator, data.index + 1, len(indicators), current, not indicator.required)
        if indicator.code in data.sums:
            text = f"{text}\n{sum_line(data, indicator)}"
        return Reply(f"{prefix}\n{text}".strip())

    async def step(self, ctx: Context, state: State[ReportPayload], answer: str, is_button: bool) -> Outcome:
        """Route the answer to the current step; commands and questions first."""
        data = state.data.copy()
        if state.step == "cancel":
            return await self._cancel_step(ctx, data, answer, is_button)
        if answer == "cancel" and is_button:
            return _cancelled()
        if state.step == "period":
            return await self._period(ctx, data, answer, is_button)
        indicators = await self._indicators(ctx, data)
        indicator = indicators[data.index] if state.step in ("ask", "check", "jump") else None
        free_text = indicator is not None and indicator.kind == "text"
        said = None if is_button else command(answer, free_text=free_text)
        keeps_sum = state.step == "ask" and indicator is not None and indicator.code in data.sums
        if (state.step in ("jump", "check", "confirm") or keeps_sum) and is_ambiguous_stop(answer):
            said = None  # "dung" where a yes is expected (or a prefilled sum is kept) is a yes
        if said is None and not is_button and says(answer, "start_report"):
            said = "resume"  # "báo cáo" again in the middle: show where they were
        if said is not None:
            handled = self._command(indicators, data, state.step, said, answer)
            if handled is not None:
                return handled
        if state.step == "ask":
            return self._answer(indicators, data, answer)
        if state.step in ("jump", "check"):
            return self._keep(indicators, data, answer, state.step)
        if state.step == "reason":
            return self._reason(indicators, data, answer)
        if state.step == "confirm":
            return self._confirm(ctx, indicators, data, answer)
        if state.step == "edit":
            return self._edit(indicators, data, answer)
        return _cancelled()

    def _prompt(self, indicators: list[IndicatorView], data: ReportPayload, step: str, prefix: str) -> Outcome:
        """Say ``prefix`` and show the current step's question again."""
        if step == "confirm":
            return self._summary(indicators, data, prefix)
        if step == "edit":
            return self._edit_menu(indicators, data, prefix)
        if step in ("jump", "check"):
            return self._ask_keep(indicators, data, step, prefix)
        if step == "reason":
            return self._ask_reason(indicators, data, prefix)
        return Outcome([self._ask(indicators, data, prefix)], State(NAME, "ask", data, VERSION))

    def _command(self, indicators: list[IndicatorView], data: ReportPayload, step: str, said: str,
                 answer: str) -> Outcome | None:
        if said == "cancel":
            data.resume = step
            text = cancel_question(period_name(data.period))
            buttons = [[Button(_("Stop, do not save"), "cancel")], [Button(_("Go on"), "resume")]]
            return Outcome([Reply(text, buttons)], State(NAME, "cancel", data, VERSION))
        if said == "restart":
            data.answers = dict(data.existing or {})
            data.answered, data.index, data.editing = [], 0, False
            data.pending = None
            return Outcome([self._ask(indicators, data, _("Starting again from the first question."))],
                           State(NAME, "ask", data, VERSION))
        if said == "help":
            return self._prompt(indicators, data, step, dialog_help(period_name(data.period)))
        if said == "resume":
            return self._prompt(indicators, data, step, _("The report for {period} is under way; here is where you "
                                                          "were.").format(period=period_name(data.period)))
        if said == "greeting":
            return self._prompt(indicators, data, step, _("Hello! Let us go on with the report."))
        if said == "thanks":
            return self._prompt(indicators, data, step, _("You are welcome! Let us go on with the report."))
        if said == "deadline":
            deadline = data.deadline
            if deadline is not None:
                return self._prompt(indicators, data, step, deadline_text(period_name(data.period), deadline))
            return None
        if said == "previous":
            code = data.previous_period
            text = previous_text(indicators, data.previous, period_name(code) if code else None)
            return self._prompt(indicators, data, step, text)
        if step == "ask" and said == "back":
            return self._back(indicators, data)
        if step == "ask" and said == "skip":
            return self._skip(indicators, data)
        if step in ("edit", "jump", "check", "reason") and said == "back":
            data.pending = None
            if step == "edit":
                return self._summary(indicators, data)
            return Outcome([self._ask(indicators, data)], State(NAME, "ask", data, VERSION))
        return None

    async def _cancel_step(self, ctx: Context, data: ReportPayload, answer: str, is_button: bool) -> Outcome:
        resume, data.resume = data.resume or "ask", None
        if answer == "cancel" or says(answer, "cancel") or says_only(answer, "yes"):
            return _cancelled()
        if resume == "period":
            if answer == "resume" or says(answer, "no") or says(answer, "go_on"):
                return await self._offer_periods(ctx, data)
            return await self._period(ctx, data, answer, is_button)
        indicators = await self._indicators(ctx, data)
        if answer == "resume" or says(answer, "no") or says(answer, "go_on"):
            return self._prompt(indicators, data, resume, _("Good, let us go on."))
        # Anything else is what they meant to type at the step they were on.
        return await self.step(ctx, State(NAME, resume, data, VERSION), answer, is_button)

    async def _period(self, ctx: Context, data: ReportPayload, answer: str, is_button: bool) -> Outcome:
        police = await police_offered(ctx, data)
        offered = police or offered_months(data)
        if not is_button:
            said = command(answer)
            if said == "cancel":
                data.resume = "period"
                return self._command([], data, "period", "cancel", answer) or _cancelled()
            if said in ("help", "greeting", "thanks"):
                return await self._offer_periods(ctx, data)
        if police:
            chosen = picked_period(answer, is_button, police, ctx.local_now.date())
            if chosen is None:
                return await self._offer_periods(ctx, data, police_not_picked())
        else:
            chosen = picked_month(answer, is_button, offered)
        if chosen is None:
            return await self._offer_periods(ctx, data, not_picked_text(answer, offered))
        data.period = chosen.code
        return await self._begin_period(ctx, data)

    def _back(self, indicators: list[IndicatorView], data: ReportPayload) -> Outcome:
        if data.editing:
            data.editing = False
            return self._summary(indicators, data)
        if data.index == 0:
            if data.offered_period:
                buttons = month_buttons(offered_months(data))
                return Outcome([Reply(_("Which month are you reporting for?"), buttons)],
                               State(NAME, "period", data, VERSION))
            return Outcome([self._ask(indicators, data, _("This is the first question."))],
                           State(NAME, "ask", data, VERSION))
        data.index -= 1
        return Outcome([self._ask(indicators, data)], State(NAME, "ask", data, VERSION))

    def _skip(self, indicators: list[IndicatorView], data: ReportPayload) -> Outcome:
        indicator = indicators[data.index]
        if indicator.required:
            refused = _("This question cannot be skipped. Type 0 if there is none.")
            return Outcome([self._ask(indicators, data, refused)], State(NAME, "ask", data, VERSION))
        return self._store(indicators, data, indicator.code, None)

    def _store(self, indicators: list[IndicatorView], data: ReportPayload, code: str, value: Answer,
               prefix: str = "") -> Outcome:
        data.answers = {**data.answers, code: value}
        data.answered = [*(c for c in data.answered if c != code), code]
        data.pending = None
        if data.editing:
            data.editing = False
            return self._summary(indicators, data, prefix)
        data.index += 1
        if data.index >= len(indicators):
            return self._summary(indicators, data, prefix)
        return Outcome([self._ask(indicators, data, prefix)], State(NAME, "ask", data, VERSION))

    def _answer(self, indicators: list[IndicatorView], data: ReportPayload, answer: str) -> Outcome:
        indicator = indicators[data.index]
        if answer == "back":
            return self._back(indicators, data)
        if answer == "skip":
            return self._skip(indicators, data)
        if indicator.kind == "text":
            return self._note(indicators, data, indicator.code, answer)
        if indicator.code in data.sums:
            data.reasons = {k: v for k, v in data.reasons.items() if k != indicator.code}
            if answer.strip() == "1" or says_only(answer, "yes") or says(answer, "keep"):
                return self._take(indicators, data, data.sums[indicator.code])  # "1" keeps the sum, always
        if says(answer, "keep"):
            # "giữ nguyên" keeps the figure shown; "như tháng trước" takes the last report's.
            current = data.answers.get(indicator.code)
            if current is not None:
                return self._take(indicators, data, int(current))
            before = data.previous.get(indicator.code)
            if before is not None and data.previous_period:
                shown = _("{value}, as in {period}.").format(value=value_text(indicator, before),
                                                             period=period_name(data.previous_period))
                return self._take(indicators, data, int(before), prefix=shown)
        parsed = parse_count(answer, indicator.measure)
        if parsed.guess is not None:
            data.pending = parsed.guess
            return self._ask_keep(indicators, data, "check")
        if parsed.value is None:
            assert parsed.error is not None
            return Outcome([self._ask(indicators, data, count_error_text(parsed.error, answer))],
                           State(NAME, "ask", data, VERSION))
        prefix = ""
        if parsed.hectares is not None:
            prefix = _("{hectares} ha = {value}.").format(hectares=parsed.hectares,
                                                          value=value_text(indicator, parsed.value))
        return self._take(indicators, data, parsed.value, prefix=prefix)

    def _note(self, indicators: list[IndicatorView], data: ReportPayload, code: str, answer: str) -> Outcome:
        """Keep a note only as it may be stored: visible, short enough, with no name of a person (asked
        to be rewritten, never kept), phone and ID numbers masked."""
        checked = check_note(answer)
        if checked.problem is NoteProblem.TOO_LONG:
            refused = _("The note is {length} characters long; at most {limit} can be saved. Please write it "
                        "shorter and send it again.").format(length=checked.length, limit=NOTE_MAX_CHARS)
            return Outcome([self._ask(indicators, data, refused)], State(NAME, "ask", data, VERSION))
        if checked.problem is NoteProblem.NAME:
            refused = _("The note seems to contain a person's name, and names of people are never saved. Please "
                        "write it again without names (for example “1 người ở xóm 3 mới sử dụng”), or type "
                        "“không” if there is nothing to note. For a street, a school or a place, write “đường”, "
                        "“trường”, “xã”… before its name.")
            return Outcome([self._ask(indicators, data, refused)], State(NAME, "ask", data, VERSION))
        note = checked.note
        return self._store(indicators, data, code, None if note is None or says(note, "no_note") else note)

    def _take(self, indicators: list[IndicatorView], data: ReportPayload, value: int, *, far_checked: bool = False,
              prefix: str = "") -> Outcome:
        """Check a figure against the rules (only with figures answered in this dialog) and keep it."""
        indicator = indicators[data.index]
        answered = set(data.answered)
        checked = {code: _count(v) for code, v in data.answers.items() if code in answered and not isinstance(v, str)}
        checked[indicator.code] = value
        problem = cross_field_problem(indicators, checked, indicator.code)
        if problem is not None:
            data.pending = None
            return Outcome([self._ask(indicators, data, problem)], State(NAME, "ask", data, VERSION))
        total = data.sums.get(indicator.code)
        if total is not None and value != total and indicator.code not in data.reasons:
            data.pending = value
            return self._ask_reason(indicators, data)
        previous = data.previous.get(indicator.code)
        if not far_checked and is_far_from_previous(indicator, value, previous):
            data.pending = value
            return self._ask_keep(indicators, data, "jump")
        return self._store(indicators, data, indicator.code, value, prefix)

    def _ask_keep(self, indicators: list[IndicatorView], data: ReportPayload, step: str, prefix: str = "") -> Outcome:
        indicator = indicators[data.index]
        value = _pending(data)
        shown = value_text(indicator, value)
        if step == "jump":
            code = data.previous_period
            previous = data.previous.get(indicator.code)
            text = far_from_previous_text(indicator, value, previous, period_name(code) if code else "")
        else:
            text = _("{label}: {value}, is that right?").format(label=indicator.label, value=shown)
        buttons = [[Button(_("Yes, keep {value}").format(value=shown), "yes")], [Button(_("No, type again"), "no")]]
        return Outcome([Reply(f"{prefix}\n{text}".strip(), buttons)], State(NAME, step, data, VERSION))

    def _ask_reason(self, indicators: list[IndicatorView], data: ReportPayload, prefix: str = "") -> Outcome:
        indicator = indicators[data.index]
        text = reason_question(indicator, _pending(data), data.sums[indicator.code], data.period)
        return Outcome([Reply(f"{prefix}\n{text}".strip())], State(NAME, "reason", data, VERSION))

    def _reason(self, indicators: list[IndicatorView], data: ReportPayload, answer: str) -> Outcome:
        """Keep the reason a figure differs from the hamlets' sum (checked like a note: no names)."""
        checked = check_note(answer)
        if checked.problem is not None or checked.note is None or len(checked.note) > REASON_MAX_CHARS:
            again = _("Please write a short reason (at most {limit} characters), without anyone's name.").format(
                limit=REASON_MAX_CHARS)
            return self._ask_reason(indicators, data, again)
        data.reasons = {**data.reasons, indicators[data.index].code: checked.note}
        return self._take(indicators, data, _pending(data))

    def _keep(self, indicators: list[IndicatorView], data: ReportPayload, answer: str, step: str) -> Outcome:
        if answer == "yes" or says_only(answer, "yes") or says_only(answer, "confirm"):
            return self._take(indicators, data, _pending(data), far_checked=step == "jump")
        if answer == "no" or says(answer, "no"):
            data.pending = None
            return Outcome([self._ask(indicators, data)], State(NAME, "ask", data, VERSION))
        parsed = parse_count(answer, indicators[data.index].measure)
        if parsed.value is not None and parsed.value == data.pending:
            return self._take(indicators, data, parsed.value, far_checked=step == "jump")
        if parsed.value is not None or parsed.guess is not None:
            data.pending = None  # a new figure: taken as the answer
            return self._answer(indicators, data, answer)
        return self._ask_keep(indicators, data, step, _("Please answer “yes” (keep it) or type the right figure."))

    def _summary(self, indicators: list[IndicatorView], data: ReportPayload, prefix: str = "") -> Outcome:
        old = data.existing
        head = _("Please check the report for {period} of {unit}:").format(
            period=period_name(data.period), unit=data.unit_name)
        if old is not None:
            head = _("Correction of the report for {period} of {unit} (old → new):").format(
                period=period_name(data.period), unit=data.unit_name)
        tail = _("Correct? Type “đúng” to send, “sửa mục 9” (or “mục 9 là 120”) to change an item, "
                 "“hủy” to stop.")
        lines = [prefix, head, *summary_lines(indicators, data.answers, old), *reason_lines(indicators, data), tail]
        return Outcome([Reply("\n".join(x for x in lines if x), _confirm_buttons())],
                       State(NAME, "confirm", data, VERSION))

    def _confirm(self, ctx: Context, indicators: list[IndicatorView], data: ReportPayload, answer: str) -> Outcome:
        if answer == "confirm" or answer.strip() == "1" or says_only(answer, "confirm"):
            values = {i.code: _count(data.answers.get(i.code)) for i in indicators if i.kind != "text"}
            note_codes = [i.code for i in indicators if i.kind == "text"]
            note = data.answers.get(note_codes[0]) if note_codes else None
            note = note if isinstance(note, str) else None  # a note is text, or skipped
            spec = parse_period(data.period)
            when = fmt_datetime(ctx.local_now)
            if data.existing is not None:
                text = _("Saved the correction of {unit} for {period} at {time}. The old figures are kept.")
            else:
                text = _("Saved the report of {unit} for {period} at {time}. Thank you!")
            text = text.format(unit=data.unit_name, period=period_name(data.period), time=when)
            reasons = {code: why for code, why in data.reasons.items() if values.get(code) != data.sums.get(code)}
            effect = SaveReport(unit_id=data.unit_id, set_id=data.set_id, period=spec, values=values, note=note,
                                reasons=reasons)
            return Outcome([Reply(text)], None, [effect])
        choice = item_choice(answer, indicators)
        if choice is not None:
            return self._open_item(indicators, data, choice.index, choice.value_text)
        if answer == "edit" or answer.strip() == "2" or says(answer, "edit"):
            return self._edit_menu(indicators, data)
        if answer.strip() == "3":
            return self._command(indicators, data, "confirm", "cancel", answer) or _cancelled()
        return self._summary(indicators, data, _("I did not understand “{answer}”.").format(answer=answer.strip()[:40]))

    def _open_item(self, indicators: list[IndicatorView], data: ReportPayload, index: int,
                   value_text_: str | None) -> Outcome:
        data.index = index
        data.editing = True
        if value_text_:
            return self._answer(indicators, data, value_text_)
        return Outcome([self._ask(indicators, data)], State(NAME, "ask", data, VERSION))

    def _edit_menu(self, indicators: list[IndicatorView], data: ReportPayload, prefix: str = "") -> Outcome:
        buttons = [[Button(f"{n}. {i.label}", f"edit:{i.code}")] for n, i in enumerate(indicators, start=1)]
        text = _("Which item do you want to change? Type its number.") + " " + _("(Or fix it at once: “mục 9 là 120”.)")
        return Outcome([Reply(f"{prefix}\n{text}".strip(), buttons)], State(NAME, "edit", data, VERSION))

    def _edit(self, indicators: list[IndicatorView], data: ReportPayload, answer: str) -> Outcome:
        code = answer.removeprefix("edit:").strip()
        index = next((n for n, i in enumerate(indicators) if i.code == code), None)
        if index is not None:
            return self._open_item(indicators, data, index, None)
        choice = item_choice(answer, indicators, bare_number=True)
        if choice is not None:
            return self._open_item(indicators, data, choice.index, choice.value_text)
        if answer == "back":
            return self._summary(indicators, data)
        return self._edit_menu(indicators, data, _("Please type a number from 1 to {count}.").format(
            count=len(indicators)))
