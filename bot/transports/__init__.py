"""Thin adapters between a messaging platform and the transport-neutral core."""
