# Community Voice: `make demo` to try it, `make test` to run the whole suite, `make test-fast` while working.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LOCALES := es he ar ru am fr
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install install-test demo serve test test-fast translations check-translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The install compiles the catalogs too (setup.py). The demo runs from a regular install: an
# editable one is for working on the code (make test), and setuptools announces it at length.
install: $(BIN)/python
	$(BIN)/pip install --quiet .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

# Installs, creates the SQLite database, loads and tags the demo campaign, and serves it.
demo: install
	$(BIN)/voice init-db
	$(BIN)/voice demo --url http://$(HOST):$(PORT)
	$(BIN)/voice nlp run
	$(BIN)/voice run --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/voice init-db
	$(BIN)/voice run --host $(HOST) --port $(PORT)

# The whole suite. Browser, PostgreSQL and Redis tests skip with a reason when those are
# missing, except under CI=true, where a missing one fails.
test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Unit and flow tests only, on SQLite, in parallel: no browser, PostgreSQL, Redis worker or slow
# test (even under CI=true, which would otherwise demand PostgreSQL).
test-fast: install-test
	env -u CI -u VOICE_TEST_DATABASE_URL $(BIN)/python -m pytest -n auto --maxprocesses=4 \
	  -m "not browser and not postgres and not redis and not slow" $(PYTEST_ARGS)

# Extract, update and compile the catalogs (no POT-Creation-Date churn between runs).
translations: $(BIN)/python
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --add-comments="Translators:" \
	  --sort-by-file --project="Community Voice" --copyright-holder="Community Voice contributors" \
	  -o translations/messages.pot . >/dev/null
	sed -i '/^"POT-Creation-Date:/d' translations/messages.pot
	for locale in $(LOCALES); do \
	  if [ -f translations/$$locale/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update -i translations/messages.pot -d translations -l $$locale \
	      --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date >/dev/null; \
	  else \
	    $(BIN)/pybabel init -i translations/messages.pot -d translations -l $$locale >/dev/null; \
	  fi; \
	done
	$(BIN)/pybabel compile -d translations --statistics

clean:
	rm -rf $(VENV) *.egg-info build dist .pytest_cache
