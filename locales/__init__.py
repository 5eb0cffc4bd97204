"""gettext catalogs: vi (default, complete) and en."""
