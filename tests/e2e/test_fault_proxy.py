"""The fault-injecting proxy on its own: each fault, seen by a plain HTTP client in front of the emulator."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import pytest

from tests.e2e.support.client import Emulator
from tests.e2e.support.proxy import Fault, FaultProxy

pytestmark = pytest.mark.e2e


async def send(proxy: FaultProxy, tg: Emulator, text: str, timeout: float = 5.0) -> tuple[int, dict[str, Any]]:
    """Call sendMessage through the proxy, with a client time-out as a bot has."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        url = f"{proxy.url}/bot{tg.token}/sendMessage"
        async with session.post(url, data={"chat_id": "7", "text": text}) as resp:
            return resp.status, await resp.json()


async def sent_texts(tg: Emulator) -> list[str]:
    """What the emulator really received through sendMessage."""
    return [c["params"]["text"] for c in await tg.calls("sendMessage")]


async def test_requests_pass_unchanged_without_faults(fault_proxy: FaultProxy, tg: Emulator) -> None:
    """With nothing queued the proxy is transparent, and logs the request."""
    status, body = await send(fault_proxy, tg, "một")
    assert status == 200 and body["result"]["text"] == "một"
    assert await sent_texts(tg) == ["một"]
    assert [(e.method, e.fault, e.status) for e in fault_proxy.log] == [("sendMessage", None, 200)]


async def test_429_carries_retry_after_and_is_spent_after_times(fault_proxy: FaultProxy, tg: Emulator) -> None:
    """A 429 looks like Telegram's flood answer; after ``times`` hits requests pass again."""
    fault = fault_proxy.inject(Fault("429", method="sendMessage", times=2, retry_after=3))
    for _ in range(2):
        status, body = await send(fault_proxy, tg, "hai")
        assert status == 429
        assert body["parameters"] == {"retry_after": 3} and body["error_code"] == 429
    status, _ = await send(fault_proxy, tg, "hai")
    assert status == 200 and fault.hits == 2 and not fault.live
    assert await sent_texts(tg) == ["hai"]  # the refused requests never reached Telegram


async def test_500_only_hits_the_named_method(fault_proxy: FaultProxy, tg: Emulator) -> None:
    """A fault for one method leaves the others alone."""
    fault_proxy.inject(Fault("500", method="getMe"))
    status, body = await send(fault_proxy, tg, "ba")
    assert status == 200 and body["ok"] is True
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{fault_proxy.url}/bot{tg.token}/getMe") as resp:
            assert resp.status == 500 and (await resp.json())["error_code"] == 500
        async with session.get(f"{fault_proxy.url}/bot{tg.token}/getMe") as resp:
            assert resp.status == 200


async def test_hang_outlasts_the_client_time_out(fault_proxy: FaultProxy, tg: Emulator) -> None:
    """A hang never answers: the client's time-out fires, and Telegram never saw the request."""
    fault_proxy.inject(Fault("hang", method="sendMessage", delay=5.0))
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await send(fault_proxy, tg, "bốn", timeout=0.5)
    assert time.monotonic() - started < 2
    assert await sent_texts(tg) == []


async def test_drop_closes_the_connection(fault_proxy: FaultProxy, tg: Emulator) -> None:
    """A dropped connection is a client error, not an HTTP answer."""
    fault_proxy.inject(Fault("drop", method="sendMessage"))
    with pytest.raises(aiohttp.ClientError):
        await send(fault_proxy, tg, "năm")
    assert await sent_texts(tg) == []
    assert fault_proxy.events("sendMessage")[0].fault == "drop"


async def test_drop_after_upstream_loses_only_the_answer(fault_proxy: FaultProxy, tg: Emulator) -> None:
    """After the emulator acted, the answer is lost: the message was sent but the client cannot know."""
    fault_proxy.inject(Fault("drop", method="sendMessage", after_upstream=True))
    with pytest.raises(aiohttp.ClientError):
        await send(fault_proxy, tg, "sáu")
    assert await sent_texts(tg) == ["sáu"]


async def test_slow_answers_late_but_right(fault_proxy: FaultProxy, tg: Emulator) -> None:
    """A slow answer arrives after ``delay`` with the emulator's real result."""
    fault_proxy.inject(Fault("slow", method="sendMessage", delay=0.6))
    started = time.monotonic()
    status, body = await send(fault_proxy, tg, "bảy")
    assert time.monotonic() - started >= 0.6
    assert status == 200 and body["result"]["text"] == "bảy"
