"""Start and stop the Telegram Bot API emulator (``e2e/emulator.js``) as a subprocess on 127.0.0.1."""

from __future__ import annotations

import os
import secrets
import select
import shutil
import socket
import subprocess
import time
from pathlib import Path

E2E_DIR = Path(__file__).resolve().parents[3] / "e2e"
HOST = "127.0.0.1"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def fresh_token() -> str:
    """Return a new token shaped like Telegram's (``<bot id>:<secret>``); the emulator keys state on it."""
    return f"{secrets.randbelow(9 * 10**9) + 10**9}:{secrets.token_urlsafe(26)}"


def node_path() -> str | None:
    """Return the path of the node executable, if installed."""
    return shutil.which("node")


def ensure_node_modules() -> None:
    """Install the emulator's pinned npm packages if they are missing (``npm ci``)."""
    if (E2E_DIR / "node_modules" / "telegram-test-api").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed: cannot install the emulator's packages")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=E2E_DIR, check=True, stdout=subprocess.DEVNULL)


class EmulatorProcess:
    """One running ``node e2e/emulator.js`` on a free port; ``url`` is its base address."""

    def __init__(self, port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self._env = env or {}
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 15.0) -> EmulatorProcess:
        """Start node and wait for its READY line; raise with its stderr if it does not come."""
        node = node_path()
        if node is None:
            raise RuntimeError("node is not installed")
        ensure_node_modules()
        self._proc = subprocess.Popen(
            [node, str(E2E_DIR / "emulator.js"), "--port", str(self.port), "--host", HOST],
            cwd=E2E_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **self._env},
        )
        assert self._proc.stdout is not None
        deadline = time.monotonic() + timeout
        line = b""
        while time.monotonic() < deadline and self._proc.poll() is None:
            ready, _, _ = select.select([self._proc.stdout], [], [], 0.1)
            if ready:
                line = self._proc.stdout.readline()
                break
        if not line.startswith(b"READY"):
            err = self.stop()
            raise RuntimeError(f"emulator did not start on port {self.port}: {err}")
        return self

    @property
    def running(self) -> bool:
        """Say whether the node process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> str:
        """Stop node (SIGTERM, then SIGKILL) and return what it wrote on stderr."""
        if self._proc is None:
            return ""
        proc, self._proc = self._proc, None
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        return err


def start_emulator(attempts: int = 3, env: dict[str, str] | None = None) -> EmulatorProcess:
    """Start an emulator, retrying on another port if a race took the first one."""
    last: Exception | None = None
    for _ in range(attempts):
        try:
            return EmulatorProcess(env=env).start()
        except RuntimeError as exc:
            last = exc
    raise RuntimeError(f"could not start the emulator: {last}")
