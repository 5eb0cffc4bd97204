"""The checks a report's figures must pass, applied as soon as the figure that breaks one is typed.

Rules live in each indicator's ``rules`` (data, configured per commune):
``{"max_sum_of": ["nghien", "su_dung"]}``: this value ≤ the sum of those;
``{"at_least_if_positive": "tuyen_truyen"}``: this value ≥ that one when that one is > 0;
``{"jump": {"factor": 3, "min_diff": 10}}``: a value far from the previous report needs "are you sure?".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from locales.i18n import _, fmt_number
from storage.reports import IndicatorView


def _label(indicators: Sequence[IndicatorView], code: str) -> str:
    return next((i.label for i in indicators if i.code == code), code)


def cross_field_problem(
    indicators: Sequence[IndicatorView], answers: Mapping[str, int | None], typed: str
) -> str | None:
    """Return the explanation of the first rule that the figure just typed (``typed``) breaks."""
    for indicator in indicators:
        value = answers.get(indicator.code)
        limit_codes = indicator.rules.get("max_sum_of")
        if limit_codes and typed in (indicator.code, *limit_codes) and value is not None:
            parts = [answers.get(code) for code in limit_codes]
            if all(p is not None for p in parts):
                total = sum(p for p in parts if p is not None)
                if value > total:
                    return _("{label} ({value}) cannot be more than {others} together ({total}).").format(
                        label=_label(indicators, indicator.code),
                        value=fmt_number(value),
                        others=" + ".join(_label(indicators, c) for c in limit_codes),
                        total=fmt_number(total),
                    )
        floor_code = indicator.rules.get("at_least_if_positive")
        if floor_code and typed in (indicator.code, floor_code) and value is not None:
            floor = answers.get(floor_code)
            if floor is not None and floor > 0 and value < floor:
                return _("{label} ({value}) cannot be fewer than {other} ({other_value}).").format(
                    label=_label(indicators, indicator.code),
                    value=fmt_number(value),
                    other=_label(indicators, floor_code),
                    other_value=fmt_number(floor),
                )
    return None


def is_far_from_previous(indicator: IndicatorView, value: int, previous: int | None) -> bool:
    """Tell whether ``value`` is far enough from the previous report to ask "are you sure?"."""
    jump = indicator.rules.get("jump")
    if not jump or previous is None:
        return False
    factor = float(jump.get("factor", 3))
    min_diff = int(jump.get("min_diff", 10))
    if abs(value - previous) <= min_diff:
        return False
    return value > factor * previous or previous > factor * value
