# govshare: every target creates .venv and installs what it needs on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# worksteal, not loadfile: a worker that runs out takes tests from the other, so one slow file
# (the demo builds, the grant matrix) does not leave a core idle at the end of the run.
PYTEST_ARGS ?= -n 2 --dist worksteal

.PHONY: demo serve test test-sqlite test-postgres bench bench-quick lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,bench]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## demo: build the demo province on the embedded database (var/govshare.db) and serve it
demo: $(STAMP)
	$(BIN)/govshare demo

serve: $(STAMP)
	$(BIN)/govshare serve

## test: the whole suite on SQLite, then on PostgreSQL when GOVSHARE_TEST_DATABASE_URL is set
test: $(STAMP)
	@echo "== on SQLite"
	env -u GOVSHARE_TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)
	@if [ -n "$$GOVSHARE_TEST_DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL"; $(BIN)/pytest $(PYTEST_ARGS); \
	else echo "(GOVSHARE_TEST_DATABASE_URL not set: PostgreSQL pass skipped)"; fi

test-sqlite: $(STAMP)
	env -u GOVSHARE_TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

## bench: every benchmark in bench/ (full sizes); bench-quick: the --quick sizes
bench: $(STAMP)
	@for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

bench-quick: $(STAMP)
	@for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b --quick || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts

format: $(STAMP)
	$(BIN)/ruff format src tests bench scripts

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
