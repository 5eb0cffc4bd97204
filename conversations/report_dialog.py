"""The monthly report: names the hamlet and period, asks each indicator, checks, confirms, saves.

Steps: ``period`` (only in the first days of a month) → ``ask`` (one indicator at a time, with
``jump`` for "are you sure?") → ``confirm`` (summary; Xác nhận / Sửa một mục / Hủy) → ``edit``
(choose an item, answer it, back to ``confirm``). The payload (version 1) holds the answers so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conversations.engine import Context, Effect, Outcome, State
from conversations.numbers import parse_count
from conversations.privacy import mask_note
from conversations.report_text import (
    count_error_text,
    period_name,
    question_text,
    summary_lines,
    value_text,
)
from conversations.rules import cross_field_problem, is_far_from_previous
from conversations.vocabulary import says
from handlers.i18n import _, fmt_datetime
from handlers.messages import Button, Reply
from storage.calendar import PeriodSpec, parse_period, period_of
from storage.calendar import previous as period_before
from storage.models import Unit
from storage.reports import IndicatorView, latest_report, report_for

NAME = "report"
VERSION = 1
# During these first days of a month the previous month is offered too (late reports are common).
OFFER_PREVIOUS_UNTIL_DAY = 5


@dataclass(frozen=True)
class SaveReport(Effect):
    """Store the confirmed answers as the unit's report for the period."""

    unit_id: int
    set_id: int
    period: PeriodSpec
    values: dict[str, int | None]
    note: str | None


def _confirm_buttons() -> list[list[Button]]:
    return [
        [Button(_("Confirm"), "confirm")],
        [Button(_("Edit an item"), "edit")],
        [Button(_("Cancel"), "cancel")],
    ]


def _cancelled() -> Outcome:
    return Outcome([Reply(_("Cancelled. Nothing was saved."))], None)


class ReportDialog:
    """The report dialog (see the module docstring)."""

    name = NAME
    version = VERSION

    async def _indicators(self, ctx: Context, data: dict[str, Any]) -> list[IndicatorView]:
        found = await ctx.cache.form_of(ctx.session, data["unit_id"])
        if found is None or found[0] != data["set_id"]:
            raise LookupError("the unit's report form changed during the dialog")
        return found[1]

    async def start(self, ctx: Context, argument: str) -> Outcome:
        """Check the sender may report, then offer the period or ask the first indicator."""
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
        data: dict[str, Any] = {
            "unit_id": unit.id, "unit_name": unit.name, "set_id": set_id,
            "period": current.code, "current": current.code, "index": 0, "answers": {},
            "offered_period": False,
        }
        if today.day <= OFFER_PREVIOUS_UNTIL_DAY:
            data["offered_period"] = True
            text = _("Which month are you reporting for {unit}?").format(unit=unit.name)
            return Outcome([Reply(text, self._period_buttons(data))], State(NAME, "period", data, VERSION))
        return await self._begin_period(ctx, data)

    async def _begin_period(self, ctx: Context, data: dict[str, Any]) -> Outcome:
        indicators = await self._indicators(ctx, data)
        existing = await report_for(ctx.session, data["unit_id"], data["set_id"], data["period"])
        previous = await latest_report(ctx.session, data["unit_id"], before=data["period"])
        data["previous"] = previous.values if previous else {}
        intro = [
            _("Report for {period} of {unit}: {count} questions.").format(
                period=period_name(data["period"]), unit=data["unit_name"], count=len(indicators)
            ),
            _("Type a number for each. “back” returns to the previous question, “cancel” stops."),
        ]
        if existing is not None:
            data["existing"] = {**existing.values, "ghi_chu": existing.note}
            data["answers"] = dict(data["existing"])
            intro.append(
                _("{unit} already reported for {period} (at {time}). What you send now is a correction: "
                  "the old figures are kept.").format(
                    unit=data["unit_name"], period=period_name(data["period"]),
                    time=fmt_datetime(existing.updated_at.astimezone(ctx.timezone)),
                )
            )
        data["index"] = 0
        return Outcome([Reply("\n".join(intro)), self._ask(indicators, data)], State(NAME, "ask", data, VERSION))

    def _ask(self, indicators: list[IndicatorView], data: dict[str, Any], prefix: str = "") -> Reply:
        indicator = indicators[data["index"]]
        # What was typed already (going back, editing, or the stored value of a correction).
        current = data["answers"].get(indicator.code)
        text = question_text(indicator, data["index"] + 1, len(indicators), current, not indicator.required)
        return Reply(f"{prefix}\n{text}".strip())

    async def step(self, ctx: Context, state: State, answer: str, is_button: bool) -> Outcome:
        """Route the answer to the current step."""
        data = dict(state.data)
        if answer == "cancel" or says(answer, "cancel"):
            return _cancelled()
        if state.step == "period":
            return await self._period(ctx, data, answer)
        indicators = await self._indicators(ctx, data)
        if state.step == "ask":
            return self._answer(indicators, data, answer)
        if state.step == "jump":
            return self._jump(indicators, data, answer)
        if state.step == "confirm":
            return self._confirm(ctx, indicators, data, answer)
        if state.step == "edit":
            return self._edit(indicators, data, answer)
        return _cancelled()

    async def _period(self, ctx: Context, data: dict[str, Any], answer: str) -> Outcome:
        current = parse_period(data["current"])
        earlier = period_before(current)
        if answer == f"period:{earlier.code}" or answer.strip() == "1" or says(answer, "previous_period"):
            data["period"] = earlier.code
        elif answer == f"period:{current.code}" or answer.strip() == "2" or says(answer, "current_period"):
            data["period"] = current.code
        else:
            return Outcome(
                [Reply(_("Please choose 1 ({previous}) or 2 ({current}).").format(
                    previous=period_name(earlier.code), current=period_name(current.code)))],
                State(NAME, "period", data, VERSION),
            )
        return await self._begin_period(ctx, data)

    def _after_answer(self, indicators: list[IndicatorView], data: dict[str, Any]) -> Outcome:
        if data.get("editing"):
            data["editing"] = False
            return self._summary(indicators, data)
        data["index"] += 1
        if data["index"] >= len(indicators):
            return self._summary(indicators, data)
        return Outcome([self._ask(indicators, data)], State(NAME, "ask", data, VERSION))

    def _answer(self, indicators: list[IndicatorView], data: dict[str, Any], answer: str) -> Outcome:
        indicator = indicators[data["index"]]
        answers: dict[str, Any] = dict(data["answers"])
        if answer == "back" or says(answer, "back"):
            if data.get("editing"):
                data["editing"] = False
                return self._summary(indicators, data)
            if data["index"] == 0:
                if data.get("offered_period"):
                    return Outcome([Reply(_("Which month are you reporting for?"), self._period_buttons(data))],
                                   State(NAME, "period", data, VERSION))
                return Outcome([self._ask(indicators, data, _("This is the first question."))],
                               State(NAME, "ask", data, VERSION))
            data["index"] -= 1
            return Outcome([self._ask(indicators, data)], State(NAME, "ask", data, VERSION))
        if answer == "skip" or says(answer, "skip"):
            if indicator.required:
                return Outcome([self._ask(indicators, data, _("This question cannot be skipped."))],
                               State(NAME, "ask", data, VERSION))
            answers[indicator.code] = None
            data["answers"] = answers
            return self._after_answer(indicators, data)
        if indicator.kind == "text":
            note = answer.strip()
            answers[indicator.code] = None if says(note, "no") or not note else mask_note(note)
            data["answers"] = answers
            return self._after_answer(indicators, data)
        parsed = parse_count(answer, indicator.measure)
        if parsed.value is None:
            assert parsed.error is not None
            return Outcome([self._ask(indicators, data, count_error_text(parsed.error, answer))],
                           State(NAME, "ask", data, VERSION))
        answers[indicator.code] = parsed.value
        problem = cross_field_problem(indicators, answers, indicator.code)
        if problem is not None:
            return Outcome([self._ask(indicators, data, problem)], State(NAME, "ask", data, VERSION))
        previous = data.get("previous", {}).get(indicator.code)
        if is_far_from_previous(indicator, parsed.value, previous):
            data["pending"] = parsed.value
            text = _("{label}: {value}, but last report said {previous}. Are you sure?").format(
                label=indicator.label, value=value_text(indicator, parsed.value),
                previous=value_text(indicator, previous),
            )
            buttons = [[Button(_("1. Yes, keep {value}").format(value=parsed.value), "yes")],
                       [Button(_("2. No, type again"), "no")]]
            return Outcome([Reply(text, buttons)], State(NAME, "jump", data, VERSION))
        data["answers"] = answers
        return self._after_answer(indicators, data)

    def _period_buttons(self, data: dict[str, Any]) -> list[list[Button]]:
        current = parse_period(data["current"])
        earlier = period_before(current)
        return [[Button("1. " + period_name(earlier.code).capitalize(), f"period:{earlier.code}")],
                [Button("2. " + period_name(current.code).capitalize(), f"period:{current.code}")]]

    def _jump(self, indicators: list[IndicatorView], data: dict[str, Any], answer: str) -> Outcome:
        indicator = indicators[data["index"]]
        if answer == "yes" or answer.strip() == "1" or says(answer, "yes"):
            answers = dict(data["answers"])
            answers[indicator.code] = data.pop("pending")
            data["answers"] = answers
            return self._after_answer(indicators, data)
        if answer == "no" or answer.strip() == "2" or says(answer, "no"):
            data.pop("pending", None)
            return Outcome([self._ask(indicators, data)], State(NAME, "ask", data, VERSION))
        return Outcome([Reply(_("Please answer 1 (yes, keep it) or 2 (no, type again)."))],
                       State(NAME, "jump", data, VERSION))

    def _summary(self, indicators: list[IndicatorView], data: dict[str, Any]) -> Outcome:
        old = data.get("existing")
        head = _("Please check the report for {period} of {unit}:").format(
            period=period_name(data["period"]), unit=data["unit_name"])
        if old is not None:
            head = _("Correction of the report for {period} of {unit} (old → new):").format(
                period=period_name(data["period"]), unit=data["unit_name"])
        lines = [head, *summary_lines(indicators, data["answers"], old)]
        return Outcome([Reply("\n".join(lines), _confirm_buttons())], State(NAME, "confirm", data, VERSION))

    def _confirm(self, ctx: Context, indicators: list[IndicatorView], data: dict[str, Any], answer: str) -> Outcome:
        if answer == "confirm" or answer.strip() == "1" or says(answer, "confirm"):
            values = {i.code: data["answers"].get(i.code) for i in indicators if i.kind != "text"}
            note_codes = [i.code for i in indicators if i.kind == "text"]
            note = data["answers"].get(note_codes[0]) if note_codes else None
            spec = parse_period(data["period"])
            when = fmt_datetime(ctx.local_now)
            if data.get("existing") is not None:
                text = _("Saved the correction of {unit} for {period} at {time}. The old figures are kept.")
            else:
                text = _("Saved the report of {unit} for {period} at {time}. Thank you!")
            text = text.format(unit=data["unit_name"], period=period_name(data["period"]), time=when)
            lines = [text, *summary_lines(indicators, data["answers"], data.get("existing"))]
            effect = SaveReport(unit_id=data["unit_id"], set_id=data["set_id"], period=spec, values=values, note=note)
            return Outcome([Reply("\n".join(lines))], None, [effect])
        if answer == "edit" or answer.strip() == "2" or says(answer, "edit"):
            return self._edit_menu(indicators, data)
        if answer.strip() == "3":
            return _cancelled()
        return Outcome([Reply(_("Please choose: 1 Confirm, 2 Edit an item, 3 Cancel."), _confirm_buttons())],
                       State(NAME, "confirm", data, VERSION))

    def _edit_menu(self, indicators: list[IndicatorView], data: dict[str, Any]) -> Outcome:
        buttons = [[Button(f"{n}. {i.label}", f"edit:{i.code}")] for n, i in enumerate(indicators, start=1)]
        return Outcome([Reply(_("Which item do you want to change? Type its number."), buttons)],
                       State(NAME, "edit", data, VERSION))

    def _edit(self, indicators: list[IndicatorView], data: dict[str, Any], answer: str) -> Outcome:
        choice = answer.removeprefix("edit:").strip()
        index = next((n for n, i in enumerate(indicators) if i.code == choice), None)
        if index is None and choice.isdigit() and 1 <= int(choice) <= len(indicators):
            index = int(choice) - 1
        if index is None:
            if answer == "back" or says(answer, "back"):
                return self._summary(indicators, data)
            return Outcome([Reply(_("Please type a number from 1 to {count}.").format(count=len(indicators)))],
                           State(NAME, "edit", data, VERSION))
        data["index"] = index
        data["editing"] = True
        return Outcome([self._ask(indicators, data)], State(NAME, "ask", data, VERSION))

