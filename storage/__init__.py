"""Models, sessions, queries, migrations and document importers."""
