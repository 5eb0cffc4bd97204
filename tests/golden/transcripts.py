"""Golden transcripts as data: a script of inputs (``<name>.script.jsonl``) beside its recorded replies
(``<name>.jsonl``), read here and played on the core; the end-to-end runners play the same scripts.

A script's first line is its header, ``{"about": "...", "clock": "2026-11-23T14:00+07:00"}`` (the
clock is optional: 14:00 on 23/11/2026 in Vietnam by default). Every other line is one step::

    {"say": "/start {code}"}                          the default actor types, in a private chat
    {"press": "edit"}                                 presses the button whose data is "edit"
    {"as": "admin", "file": "seeds/000_x.txt"}        another actor sends a document (under ../shared)
    {"as": "leader", "in": "leaders", "say": "/tonghop"}   an actor speaks in the group chat "leaders"
    {"say": "/lienket", "capture": {"link": "\\b([A-Z0-9]{8})\\b"}}   remember a value from the replies

Placeholders in what is typed: ``{code}`` (the invite code of Bản Khe Ló), ``{code:<hamlet>}``,
``{admin_code}``, ``{leader_code}`` and any captured name. Codes change with every database, so the
recorded lines show them as ``<code>``, ``<admin_code>``, ``<link>``…, in the input and in the replies.
The default actor in a private chat is shown bare (``"in": "báo cáo"``); any other actor or chat is
named in front (``"in": "admin: /maketnoi lanhdao"``, ``"in": "leader@leaders: /tonghop"``).

Rewrite the recorded replies with ``UPDATE_GOLDEN=1`` (the core runner) and read the diff.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage.clock import parse_moment

GOLDEN = Path(__file__).parent
DEFAULT_ACTOR = "official"
DEFAULT_HAMLET = "Bản Khe Ló"
DEFAULT_CLOCK = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)
_PLACEHOLDER = re.compile(r"\{([a-z_]+)(?::([^}]+))?\}")


@dataclass(frozen=True)
class Step:
    """One input of a script: who acts, where, and what they type, press or send."""

    actor: str = DEFAULT_ACTOR
    chat: str | None = None  # a group's name; None: the actor's private chat
    say: str | None = None
    press: str | None = None
    file: str | None = None
    capture: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Step:
        """Read one script line."""
        unknown = set(raw) - {"as", "in", "say", "press", "file", "capture"}
        if unknown or sum(k in raw for k in ("say", "press", "file")) != 1:
            raise ValueError(f"a step says, presses or sends one thing: {raw}")
        return cls(raw.get("as", DEFAULT_ACTOR), raw.get("in"), raw.get("say"), raw.get("press"), raw.get("file"),
                   dict(raw.get("capture", {})))

    def shown(self, named: bool) -> str:
        """How the recorded transcript shows this input (placeholders as ``<name>``)."""
        if self.say is not None:
            what = _PLACEHOLDER.sub(lambda m: f"<{m.group(1)}>", self.say)
        elif self.press is not None:
            what = f"@{self.press}"
        else:
            what = f"[file {Path(str(self.file)).name}]"
        if not named:
            return what
        where = f"@{self.chat}" if self.chat else ""
        return f"{self.actor}{where}: {what}"


@dataclass(frozen=True)
class Script:
    """A golden transcript's inputs and the moment it is played at."""

    name: str
    about: str
    clock: dt.datetime
    steps: list[Step]

    @property
    def named(self) -> bool:
        """Whether inputs are shown with their actor (more than one actor, or a group chat)."""
        return any(s.actor != DEFAULT_ACTOR or s.chat for s in self.steps)

    @property
    def actors(self) -> list[str]:
        """The actors, in order of first appearance."""
        return list(dict.fromkeys(s.actor for s in self.steps))

    @property
    def groups(self) -> list[str]:
        """The group chats, in order of first appearance."""
        return list(dict.fromkeys(s.chat for s in self.steps if s.chat))

    @property
    def needs_documents(self) -> bool:
        """Whether a step sends a file (a transport without documents cannot play it)."""
        return any(s.file for s in self.steps)

    @property
    def recorded_path(self) -> Path:
        """Where the recorded replies live."""
        return GOLDEN / f"{self.name}.jsonl"


def load_script(name: str) -> Script:
    """Read ``tests/golden/<name>.script.jsonl``."""
    lines = [json.loads(line) for line in (GOLDEN / f"{name}.script.jsonl").read_text("utf-8").splitlines()
             if line.strip()]
    header, steps = lines[0], lines[1:]
    clock = parse_moment(header["clock"]) if "clock" in header else DEFAULT_CLOCK
    return Script(name, str(header.get("about", "")), clock, [Step.from_json(s) for s in steps])


def script_names() -> list[str]:
    """Every script in ``tests/golden``, sorted."""
    return sorted(p.name.removesuffix(".script.jsonl") for p in GOLDEN.glob("*.script.jsonl"))


def worlds() -> dict[str, list[str]]:
    """The end-to-end groupings (``worlds.json``): scripts that share one bot process and database, in order."""
    raw = json.loads((GOLDEN / "worlds.json").read_text("utf-8"))
    return {name: list(names) for name, names in raw.items() if not name.startswith("_")}


class Codes:
    """The values behind placeholders: invite codes of this database and values captured so far."""

    def __init__(self, hamlets: dict[str, str], admin: str, leader: str) -> None:
        self.hamlets = hamlets
        self.values: dict[str, str] = {"admin_code": admin, "leader_code": leader}
        self.values.update({f"code:{name}": code for name, code in hamlets.items()})
        self.values["code"] = hamlets[DEFAULT_HAMLET]

    def fill(self, text: str) -> str:
        """Put the values into a typed text's placeholders."""
        def value(match: re.Match[str]) -> str:
            key = f"{match.group(1)}:{match.group(2)}" if match.group(2) else match.group(1)
            if key not in self.values:
                raise KeyError(f"no value for the placeholder {match.group(0)} (captured too late?)")
            return self.values[key]
        return _PLACEHOLDER.sub(value, text)

    def capture(self, step: Step, texts: list[str]) -> None:
        """Remember what ``step`` asks to capture from the texts of its replies."""
        joined = "\n".join(texts)
        for name, pattern in step.capture.items():
            found = re.search(pattern, joined)
            if found is None:
                raise AssertionError(f"nothing matches {pattern!r} to capture {name} in:\n{joined}")
            self.values[name] = found.group(1)

    def mask(self, text: str) -> str:
        """Show every code and captured value in a reply as its placeholder."""
        for key, value in sorted(self.values.items(), key=lambda kv: -len(kv[1])):
            text = text.replace(value, f"<{key.split(':', 1)[0]}>")
        return text


def transcript_line(shown: str, replies: list[dict[str, Any]]) -> str:
    """One recorded line: the input as shown and the replies' JSON (the console's ``--jsonl`` shape)."""
    return json.dumps({"in": shown, "out": replies}, ensure_ascii=False) + "\n"


def read_recorded(script: Script) -> list[dict[str, Any]]:
    """The recorded lines of ``script``, one per step."""
    lines = [json.loads(line) for line in script.recorded_path.read_text("utf-8").splitlines() if line.strip()]
    if len(lines) != len(script.steps):
        raise AssertionError(f"{script.recorded_path.name} has {len(lines)} lines for {len(script.steps)} steps")
    return lines
