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
test: $(VENV)/.installed e2e/node_modules/.installed
	$(VENV)/bin/pytest -n 4 --dist loadgroup
	$(MAKE) test-dates

# The calendar-dependent tests (unit and e2e) with BAOCAO_CLOCK pinned at each line of tests/pinned_moments.txt.
test-dates: $(VENV)/.installed e2e/node_modules/.installed
	@grep -v '^#' tests/pinned_moments.txt | while read -r moment _why; do \
	  [ -n "$$moment" ] || continue; \
	  echo "== BAOCAO_CLOCK=$$moment"; \
	  BAOCAO_CLOCK=$$moment $(VENV)/bin/pytest -n 4 --dist loadgroup -q -m calendar -k "not ptb and not postgres" || exit 1; \
	done

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check locales storage conversations handlers bot tests benchmarks
	$(VENV)/bin/mypy
