"""The plan importer: read a plan document, show what it understood, save it."""

from storage.plans.parsed import ParsedPlan
from storage.plans.parser import parse_plan

__all__ = ["ParsedPlan", "parse_plan"]
