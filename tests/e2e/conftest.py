"""End-to-end fixtures (defined in tests/e2e/support/fixtures.py)."""

from tests.e2e.support.fixtures import bot_token, bots, emulator_process, fault_proxy, framework, tg

__all__ = ["bot_token", "bots", "emulator_process", "fault_proxy", "framework", "tg"]
