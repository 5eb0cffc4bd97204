"""Files published for Zalo (charts, spreadsheets with per-hamlet figures) are readable by the bot's
user only (files 0600, directory 0700) and are deleted on a schedule by the running process once expired."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import stat
from pathlib import Path

from bot.transports.public_files import PublicFiles

T0 = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_published_files_are_0600_in_a_0700_directory(tmp_path: Path) -> None:
    old = tmp_path / "files"
    old.mkdir(mode=0o755)
    old.chmod(0o755)  # a directory made before, world-readable
    files = PublicFiles(old, "http://127.0.0.1:1", clock=lambda: T0)
    await files.link("tonghop.xlsx", b"PK per-hamlet figures", "document")
    assert _mode(old) == 0o700
    written = sorted(old.iterdir())
    assert [p.suffix for p in written] == [".bin", ".json"]
    assert all(_mode(p) == 0o600 for p in written)
    fresh = PublicFiles(tmp_path / "new" / "files", "http://127.0.0.1:1", clock=lambda: T0)
    await fresh.link("chart.png", b"\x89PNG", "photo")
    assert _mode(tmp_path / "new" / "files") == 0o700


async def test_the_running_purge_deletes_expired_files(tmp_path: Path) -> None:
    now = {"t": T0}
    files = PublicFiles(tmp_path, "http://127.0.0.1:1", ttl=dt.timedelta(hours=1), clock=lambda: now["t"])
    await files.link("tonghop.xlsx", b"PK", "document")
    # A piece a crash left without its metadata, written long ago.
    orphan = tmp_path / ("x" * 32 + ".bin")
    orphan.write_bytes(b"PK")
    long_ago = (T0 - dt.timedelta(days=1)).timestamp()
    os.utime(orphan, (long_ago, long_ago))
    stop = asyncio.Event()
    task = asyncio.create_task(files.purge_forever(stop, every=0.01))
    try:
        await asyncio.sleep(0.05)
        assert sorted(p.suffix for p in tmp_path.iterdir()) == [".bin", ".json"]  # not expired yet
        now["t"] = T0 + dt.timedelta(hours=1, seconds=1)
        for _ in range(200):
            if not any(tmp_path.iterdir()):
                break
            await asyncio.sleep(0.01)
        assert list(tmp_path.iterdir()) == []
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=2)
