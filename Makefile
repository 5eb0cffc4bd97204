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

# The calendar-dependent tests with BAOCAO_CLOCK pinned at each line of tests/pinned_moments.txt: at the
# moments marked "all" end to end too (4 workers: they mostly wait on bot processes), at the others
# without a bot process (2 workers, one per core: the CPU-bound part starts faster).
test-dates: $(VENV)/.installed e2e/node_modules/.installed
	@grep -v '^#' tests/pinned_moments.txt | while read -r moment scope _why; do \
	  [ -n "$$moment" ] || continue; \
	  if [ "$$scope" = all ]; then marks="calendar"; workers=4; else marks="calendar and not e2e"; workers=2; fi; \
	  echo "== BAOCAO_CLOCK=$$moment ($$marks)"; \
	  BAOCAO_CLOCK=$$moment $(VENV)/bin/pytest -n $$workers --dist loadgroup -q -m "$$marks" -k "not ptb and not postgres" || exit 1; \
	done

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check locales storage conversations handlers bot tests benchmarks
	$(VENV)/bin/mypy
