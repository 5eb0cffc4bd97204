"""Which thing the user is asking: rules of phrasings tried in order (``phrases.json``).

Each rule names an intent; the intent table (``answerers.py``) declares the answerer of each, and of
"unknown", which a question is when no rule fires.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.questions.matching import has_any, normalize, phrases


def detect_intent(text: str) -> str:
    """Return the intent of a question; "unknown" when no rule fires."""
    norm = normalize(text)
    return intent_of(norm, norm.split())


def intent_of(norm: str, tokens: Sequence[str]) -> str:
    """``detect_intent`` of a question already read: its normalised text and its words."""
    if not tokens:
        return "unknown"
    for rule in phrases().rules:
        if rule.max_words is not None and len(tokens) > rule.max_words:
            continue
        if rule.needs_project_number and not phrases().project_patterns["number"].search(norm):
            continue
        if rule.exclude and has_any(tokens, rule.exclude):
            continue
        if all(has_any(tokens, group) for group in rule.groups):
            return rule.intent
    return "unknown"
