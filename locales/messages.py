"""The transport-neutral shapes of what comes in (``Incoming``) and what goes out (``Reply``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ChatType = Literal["private", "group"]


@dataclass(frozen=True)
class IncomingFile:
    """A document the user sent (a plan to import), already downloaded by the transport."""

    name: str
    content: bytes


@dataclass(frozen=True)
class Incoming:
    """One event from a user: a text message or a button press, as every transport can say it."""

    transport: str
    update_id: str
    chat_id: str
    user_id: str
    text: str | None = None
    button: str | None = None
    chat_type: ChatType = "private"
    user_name: str | None = None
    file: IncomingFile | None = None


@dataclass(frozen=True)
class Button:
    """An inline button; ``data`` is what comes back when it is pressed (or typed)."""

    label: str
    data: str


@dataclass(frozen=True)
class Attachment:
    """A picture or a file to deliver with a reply (by upload, or as a link where uploads are missing)."""

    name: str
    content: bytes
    kind: Literal["photo", "document"] = "document"


@dataclass
class Reply:
    """One message to send: text, optional buttons, an optional attachment, an optional other chat."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    attachment: Attachment | None = None
    chat_id: str | None = None

    def as_json(self) -> dict[str, object]:
        """Return the shape the ``--jsonl`` console prints."""
        out: dict[str, object] = {
            "text": self.text,
            "buttons": [[[b.label, b.data] for b in row] for row in self.buttons],
        }
        if self.attachment is not None:
            out["attachment"] = {"name": self.attachment.name, "kind": self.attachment.kind}
        if self.chat_id is not None:
            out["chat_id"] = self.chat_id
        return out
