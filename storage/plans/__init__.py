"""The plan importer: read a plan document, show what it understood, save it."""

from storage.plans.document import read_text
from storage.plans.header import area_kind
from storage.plans.parsed import ParsedPlan
from storage.plans.parser import parse_plan
from storage.plans.save import find_or_create_area, save_plan

__all__ = ["ParsedPlan", "area_kind", "find_or_create_area", "parse_plan", "read_text", "save_plan"]
