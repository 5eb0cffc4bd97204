"""The real ``baocao run --transport zalo`` as a subprocess, and users talking to it through the test server."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

from tests.zalo.server import ZaloTestServer

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BotProcess:
    """One ``python -m bot run --transport zalo [--webhook]``; its log goes to ``log_path``."""

    def __init__(self, env: dict[str, str], log_path: Path, webhook: bool = False) -> None:
        self.env = env
        self.log_path = log_path
        self.webhook = webhook
        self._proc: asyncio.subprocess.Process | None = None

    async def start(self) -> BotProcess:
        """Start the process (its output appended to the log)."""
        args = [sys.executable, "-m", "bot", "run", "--transport", "zalo"]
        if self.webhook:
            args.append("--webhook")
        log = self.log_path.open("ab")
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *args, cwd=ROOT, env={**os.environ, **self.env}, stdout=log, stderr=log
            )
        finally:
            log.close()
        return self

    async def kill(self) -> None:
        """SIGKILL: no clean-up at all, as in a crash or a power cut."""
        if self._proc is not None and self._proc.returncode is None:
            self._proc.send_signal(signal.SIGKILL)
            await self._proc.wait()

    async def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM and wait (SIGKILL if it does not end); return the exit code."""
        if self._proc is None:
            return None
        if self._proc.returncode is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self._proc.wait(), timeout)
            except TimeoutError:
                await self.kill()
        return self._proc.returncode

    def log(self) -> str:
        """What the process wrote so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


async def wait_for(condition: object, timeout: float = 20.0, what: str = "condition") -> None:
    """Wait until ``condition()`` is true."""
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


class ZaloUser:
    """A Zalo user talking to the bot through the test server; reads the bot's messages to its chat."""

    def __init__(
        self, zalo: ZaloTestServer, token: str, user_id: str, chat_id: str | None = None, group: bool = False
    ) -> None:
        self.zalo = zalo
        self.token = token
        self.user_id = user_id
        self.chat_id = chat_id or user_id
        self.group = group
        self.read = 0

    async def say(self, text: str) -> None:
        """Send a text message."""
        await self.zalo.send_text(self.token, self.user_id, text, chat_id=self.chat_id, group=self.group)

    async def replies(self, count: int = 1, timeout: float = 30.0, settle: float = 0.3) -> list[str]:
        """Wait for ``count`` new bot messages (and ``settle`` seconds for more); return their texts."""
        await self.zalo.wait_sent(self.token, self.chat_id, self.read + count, timeout)
        await asyncio.sleep(settle)
        fresh = self.zalo.sent(self.token, self.chat_id)[self.read :]
        self.read += len(fresh)
        return [m.text or "" for m in fresh]

    async def ask(self, text: str, count: int = 1, timeout: float = 30.0) -> list[str]:
        """Send ``text`` and return the bot's answer (``count`` messages at least)."""
        await self.say(text)
        return await self.replies(count, timeout)
