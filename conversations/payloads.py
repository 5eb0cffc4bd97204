"""Dialog payloads as versioned data: what every payload offers, and the chain that upgrades old ones.

A dialog's payload is a dataclass with a ``VERSION`` and ``to_json()``/``from_json()``. When its shape
changes, ``VERSION`` goes up by one and a migration from the previous version (stored JSON in, the
next version's JSON out) joins the dialog's chain, so a dialog left unfinished across an upgrade
resumes. Only a payload the chain cannot read drops the dialog; one written by a newer version of
the bot (a rolling upgrade) is left as it is for that version to resume.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Protocol, TypeVar

Json = dict[str, Any]
# One step of a chain: the stored JSON of version n in, the JSON of version n + 1 out.
Migration = Callable[[Json], Json]


class Payload(Protocol):
    """What the engine needs of a payload: its version and its JSON form."""

    VERSION: ClassVar[int]

    def to_json(self) -> Json:
        """The payload as JSON-able data, as it is stored."""
        ...


class PayloadError(Exception):
    """A stored payload that cannot be resumed as it is."""


class PayloadUnreadable(PayloadError):
    """The payload is damaged or of a shape no migration reads: the dialog is dropped."""


class PayloadTooNew(PayloadError):
    """The payload was written by a newer version of the bot: leave it for that version."""


P = TypeVar("P")


def upgrade(
    stored: Mapping[str, Any], version: int, current: int, migrations: Mapping[int, Migration]
) -> Mapping[str, Any]:
    """Carry ``stored`` (of ``version``) through ``migrations`` (keyed by the version they read) up to
    ``current``; raises ``PayloadTooNew`` or ``PayloadUnreadable``."""
    if version == current:
        return stored  # the common case, every step: nothing to copy (``from_json`` copies what it keeps)
    if version > current:
        raise PayloadTooNew(f"payload version {version}, this bot reads up to {current}")
    data = dict(stored)
    while version < current:
        migrate = migrations.get(version)
        if migrate is None:
            raise PayloadUnreadable(f"no migration from payload version {version}")
        try:
            data = migrate(data)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise PayloadUnreadable(f"payload version {version} does not migrate: {error!r}") from error
        version += 1
    return data


def read(
    from_json: Callable[[Mapping[str, Any]], P], stored: Mapping[str, Any], version: int, current: int,
    migrations: Mapping[int, Migration],
) -> P:
    """The payload ``stored`` holds, upgraded to ``current`` then read by ``from_json``."""
    data = upgrade(stored, version, current, migrations)
    try:
        return from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise PayloadUnreadable(f"payload version {current} is damaged: {error!r}") from error
