"""Fixtures for the end-to-end suite: the emulator process, a fresh token, a user-side client, the proxy."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from tests.e2e.support.client import Emulator
from tests.e2e.support.emulator import EmulatorProcess, fresh_token, node_path, start_emulator
from tests.e2e.support.proxy import FaultProxy


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[EmulatorProcess]:
    """One emulator for the session; tests stay apart by using a fresh token each."""
    if node_path() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is not installed: the e2e suite needs it under CI")
        pytest.skip("node is not installed: the Telegram emulator cannot run")
    proc = start_emulator()
    yield proc
    proc.stop()


@pytest.fixture
def bot_token() -> str:
    """A token no other test has used: the emulator keeps state per token."""
    return fresh_token()


@pytest.fixture
async def tg(emulator_process: EmulatorProcess, bot_token: str) -> AsyncIterator[Emulator]:
    """The emulator as users (and the test) see it, for this test's token."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield Emulator(emulator_process.url, bot_token, session)


@pytest.fixture
async def fault_proxy(emulator_process: EmulatorProcess) -> AsyncIterator[FaultProxy]:
    """A fault-injecting proxy in front of the emulator; give the bot ``fault_proxy.url``."""
    proxy = await FaultProxy(emulator_process.url).start()
    yield proxy
    await proxy.close()
