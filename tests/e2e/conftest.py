"""End-to-end fixtures (defined in tests/e2e/support/fixtures.py)."""

from tests.e2e.support.fixtures import bot_token, emulator_process, fault_proxy, tg

__all__ = ["bot_token", "emulator_process", "fault_proxy", "tg"]
