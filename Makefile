# The two commands of the README, and what they need.
VENV ?= .venv
PYTHON ?= python3

.PHONY: demo test test-dates lint install

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -U pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

e2e/node_modules/.installed: e2e/package.json e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Run the bot in the terminal on the demo commune (SQLite file baocao.db), as the reporter of Bản Khe Ló.
demo: $(VENV)/.installed
	$(VENV)/bin/baocao demo
	$(VENV)/bin/baocao chat --as "Bản Khe Ló"

# Every test: unit, SQLite and PostgreSQL, and the end-to-end suite against the emulators, on today's
# date; then every calendar-dependent test again with the program clock pinned at each hard moment.
# The load test files 200 reports at once here (500 when run alone: BAOCAO_LOAD_REPORTERS, tests/e2e/test_bot_load.py):
# beside 3 other workers of end-to-end tests on 2 cores, 500 reporters left a few steps past their 120 s timeout.
test: $(VENV)/.installed e2e/node_modules/.installed
	BAOCAO_LOAD_REPORTERS=$${BAOCAO_LOAD_REPORTERS:-200} $(VENV)/bin/pytest -n 4 --dist loadgroup
	$(MAKE) test-dates

# The calendar-dependent tests once per line of tests/pinned_moments.txt, the program clock (and the
# BAOCAO_CLOCK of every process a test starts) pinned at that moment: end to end on the real frameworks
# at the moments marked "all", without a bot process at the others. One pytest session for all of them.
test-dates: $(VENV)/.installed e2e/node_modules/.installed
	$(VENV)/bin/pytest -n 4 --dist loadgroup -q -m calendar -k "not ptb and not postgres" \
	  --pinned-moments tests/pinned_moments.txt

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check locales storage conversations handlers bot tests benchmarks
	$(VENV)/bin/mypy
