"""The one retry policy and the one send path, with a fake sleep: no time passes, no network."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.delivery_errors import DeliveryError, Permanent, RetryAfter, Transient
from bot.send_retry import NO_RETRY, RetryPolicy, with_retries
from bot.transports.outlet import NoFileLinks, deliver_row, send_messages, send_reply
from locales.messages import Attachment, Button, Reply
from locales.profiles import PROFILES, TransportProfile
from locales.rendering import OutMessage
from storage.models.outbox import OutboxMessage

EXACT = RetryPolicy(attempts=4, base_delay=0.5, max_delay=3.0, longest_wait=30.0, jitter=0.0)


class FrameworkError(Exception):
    """What a framework raises; ``kind`` says what the transport's classification makes of it."""

    def __init__(self, kind: str, seconds: float = 0.0) -> None:
        super().__init__(kind)
        self.kind = kind
        self.seconds = seconds


def classify(error: BaseException) -> DeliveryError | None:
    """A transport's classification of its framework's errors."""
    if not isinstance(error, FrameworkError):
        return None
    if error.kind == "429":
        return RetryAfter(error.seconds)
    return Transient(error.kind) if error.kind in ("500", "timeout") else Permanent(error.kind)


@dataclass
class Script:
    """A call that fails as scripted, then succeeds; and a sleep that only records."""

    failures: list[BaseException]
    calls: int = 0
    slept: list[float] = field(default_factory=list)

    async def call(self) -> str:
        """The framework call."""
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "sent"

    async def sleep(self, seconds: float) -> None:
        """The fake clock."""
        self.slept.append(seconds)


async def test_429_waits_what_the_platform_asked() -> None:
    script = Script([FrameworkError("429", 7.0)])
    assert await with_retries(script.call, classify, EXACT, script.sleep) == "sent"
    assert script.slept == [7.0]


async def test_server_errors_and_time_outs_back_off_doubling_up_to_the_cap() -> None:
    script = Script([FrameworkError("500"), TimeoutError(), FrameworkError("timeout")])
    assert await with_retries(script.call, classify, EXACT, script.sleep) == "sent"
    assert script.slept == [0.5, 1.0, 2.0] and script.calls == 4


async def test_after_the_last_attempt_the_error_is_raised_as_its_kind() -> None:
    script = Script([FrameworkError("500")] * 10)
    with pytest.raises(Transient) as caught:
        await with_retries(script.call, classify, EXACT, script.sleep)
    assert script.calls == EXACT.attempts and script.slept == [0.5, 1.0, 2.0]
    assert isinstance(caught.value.__cause__, FrameworkError)  # the framework's own error is kept


async def test_permanent_errors_are_never_retried() -> None:
    script = Script([FrameworkError("403")])
    with pytest.raises(Permanent):
        await with_retries(script.call, classify, EXACT, script.sleep)
    assert script.calls == 1 and script.slept == []


async def test_a_429_longer_than_the_policy_waits_is_left_to_the_caller() -> None:
    script = Script([FrameworkError("429", 600.0)])
    with pytest.raises(RetryAfter) as caught:
        await with_retries(script.call, classify, EXACT, script.sleep)
    assert caught.value.seconds == 600.0 and script.slept == []


async def test_a_bug_is_raised_unchanged_and_not_retried() -> None:
    script = Script([KeyError("oops")])
    with pytest.raises(KeyError):
        await with_retries(script.call, classify, EXACT, script.sleep)
    assert script.calls == 1


async def test_no_retry_tries_once() -> None:
    script = Script([FrameworkError("500")])
    with pytest.raises(Transient):
        await with_retries(script.call, classify, NO_RETRY, script.sleep)
    assert script.calls == 1


def test_backoff_has_jitter_within_its_share() -> None:
    policy = RetryPolicy(base_delay=1.0, jitter=0.2)
    delays = {policy.delay(1, Transient("x")) for _ in range(50)}
    assert all(d is not None and 0.8 <= d <= 1.2 for d in delays) and len(delays) > 1


@dataclass
class FakeOutlet:
    """A transport with the Telegram profile whose framework fails as told."""

    fail: list[FrameworkError | None] = field(default_factory=list)
    sent: list[tuple[str, OutMessage]] = field(default_factory=list)
    profile: TransportProfile = PROFILES["telegram"]
    files: NoFileLinks = field(default_factory=NoFileLinks)

    async def send_one(self, chat_id: str, message: OutMessage) -> str | None:
        """Fail if told, or record the message."""
        error = self.fail.pop(0) if self.fail else None
        if error is not None:
            raise error
        self.sent.append((chat_id, message))
        return str(len(self.sent))

    def classify(self, error: BaseException) -> DeliveryError | None:
        """As above."""
        return classify(error)


async def test_an_outbox_rows_first_message_is_left_to_the_sender_and_the_rest_retried_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def no_wait(_seconds: float) -> None:
        return None

    monkeypatch.setattr("asyncio.sleep", no_wait)
    row = OutboxMessage(transport="telegram", chat_id="42", chat_type="private",
                        text="\n".join(["Số liệu tháng 6."] * 600), dedupe_key="k")
    outlet = FakeOutlet(fail=[FrameworkError("500")])
    with pytest.raises(Transient):
        await deliver_row(outlet, row)
    assert outlet.sent == []
    outlet.fail = [None, FrameworkError("500"), FrameworkError("timeout")]
    assert await deliver_row(outlet, row) == "1"
    assert len(outlet.sent) == 3 and all(chat == "42" for chat, _ in outlet.sent)


async def test_a_reply_goes_to_its_own_chat_with_its_upload() -> None:
    outlet = FakeOutlet()
    chart = Attachment("c.png", b"\x89PNG", "photo")
    ids = await send_reply(outlet, "7", Reply("Biểu đồ", [[Button("Xem", "v")]], chart, chat_id="-100"))
    assert ids == ["1"] and outlet.sent == [("-100", OutMessage("Biểu đồ", [[Button("Xem", "v")]], upload=chart))]
    assert await send_messages(outlet, "7", []) == []
