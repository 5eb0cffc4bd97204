"""The words users type for numbers and dialog commands, loaded from ``vocabulary.json``."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from handlers.vietnamese import fold

_PATH = Path(__file__).with_name("vocabulary.json")


@cache
def vocabulary() -> dict[str, Any]:
    """Return the vocabulary (cached; the file is data shipped with the code)."""
    data: dict[str, Any] = json.loads(_PATH.read_text(encoding="utf-8"))
    return data


@cache
def words(key: str) -> frozenset[str]:
    """Return the folded phrases listed under ``key``."""
    return frozenset(fold(w) for w in vocabulary()[key])


def says(text: str, key: str) -> bool:
    """Tell whether ``text`` (any form) is one of the phrases listed under ``key``."""
    return fold(text).strip(" .!?") in words(key)
