"""The outside world and the wiring: CLI, settings, transports, scheduler, sender."""
