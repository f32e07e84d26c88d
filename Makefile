# Anlaufstelle: build, test and run. Every target sets up .venv itself (GNU make, bash, Python 3.11).
#
#   make run        install into .venv, compile the catalogs, start the bot (`anlaufstelle run`); without
#                   TELEGRAM_BOT_TOKEN the local demo on http://127.0.0.1:8080 (RUN_ARGS=--reset starts it fresh)
#   make test       ruff + mypy, then pytest on SQLite and on a throwaway PostgreSQL cluster, side by side
#   make lint       ruff + mypy only
#   make catalogs   extract messages into locales/messages.pot, update every messages.po, compile
#   make bench      run the benchmarks (python -m benchmarks)
#   make lock       regenerate requirements.lock from a fresh temporary venv
#   make clean      remove caches, build output and compiled catalogs (never var/, never .venv)
#   make distclean  clean, and remove .venv too
#
# Extra pytest arguments: make test PYTEST_ARGS='-x -k intake'; only for the PostgreSQL pass: PG_PYTEST_ARGS.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.ONESHELL:
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The pip that a new .venv gets, so every machine resolves with the same pip.
PIP_VERSION ?= 26.3
LOCK := requirements.lock
# Our packages whose strings go into the catalogs.
I18N_PACKAGES := bot handlers conversations storage
PYTEST_ARGS ?=
PG_PYTEST_ARGS ?=
# Extra arguments for `anlaufstelle run`, e.g. RUN_ARGS='--reset' or RUN_ARGS='--port 8090' for the demo.
RUN_ARGS ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1

# The install is redone only when pyproject.toml, the lock or the pip version change.
INSTALL_HASH := $(shell { cat pyproject.toml $(wildcard $(LOCK)); echo $(PIP_VERSION); } | sha256sum | cut -c1-16)
BASE_STAMP := $(VENV)/.installed-base-$(INSTALL_HASH)
TEST_STAMP := $(VENV)/.installed-test-$(INSTALL_HASH)
CONSTRAINTS := $(if $(wildcard $(LOCK)),-c $(LOCK))

# Prefixed to every recipe: `run CMD...` prints the command, then runs it.
PRELUDE = run() { printf '+ %s\n' "$$*"; "$$@"; }; say() { printf '\n==> %s\n' "$$*"; }

.PHONY: help run test lint test-sqlite test-postgres catalogs compile-catalogs bench lock clean distclean format

help:
	@sed -n '3,13p' Makefile | sed 's/^# \{0,1\}//'

# --- environment -----------------------------------------------------------------------------------------

$(BIN)/python:
	@$(PRELUDE)
	say "creating $(VENV) with $$($(PYTHON) --version)"
	run $(PYTHON) -m venv $(VENV)
	run $(BIN)/python -m pip install --quiet 'pip==$(PIP_VERSION)'

$(BASE_STAMP): pyproject.toml $(wildcard $(LOCK)) | $(BIN)/python
	@$(PRELUDE)
	say "installing the project into $(VENV)"
	run $(BIN)/python -m pip install --quiet -e . $(CONSTRAINTS)
	rm -f $(VENV)/.installed-base-*
	touch $@

$(TEST_STAMP): pyproject.toml $(wildcard $(LOCK)) | $(BIN)/python
	@$(PRELUDE)
	say "installing the project with its test tools into $(VENV)"
	run $(BIN)/python -m pip install --quiet -e '.[test]' $(CONSTRAINTS)
	rm -f $(VENV)/.installed-*
	touch $@ $(BASE_STAMP)

# .mo files are built, never committed. Nothing to do until some locales/<lang>/LC_MESSAGES/messages.po exists.
compile-catalogs: $(BASE_STAMP)
	@$(PRELUDE)
	if compgen -G 'locales/*/LC_MESSAGES/messages.po' >/dev/null; then
	  run $(BIN)/pybabel compile -d locales -D messages
	else
	  echo "no locales/*/LC_MESSAGES/messages.po yet: no catalogs to compile"
	fi

# --- run ---------------------------------------------------------------------------------------------------

run: $(BASE_STAMP) compile-catalogs
	@$(PRELUDE)
	say "starting the bot"
	run $(BIN)/anlaufstelle run $(RUN_ARGS)

# --- checks ------------------------------------------------------------------------------------------------

define LINT
say "ruff check"
run $(BIN)/ruff check .
say "ruff format --check"
run $(BIN)/ruff format --check .
say "mypy (strict, configured in pyproject.toml)"
run $(BIN)/mypy
endef

define TEST_SQLITE
say "pytest on SQLite"
run env ANLAUFSTELLE_TEST_DB=sqlite $(BIN)/pytest $(PYTEST_ARGS)
endef

# Starts a throwaway cluster in a temporary directory, runs pytest against it and always stops it again
# (the EXIT trap also runs on failure and on Ctrl-C); the recipe's status is pytest's.
# Without PostgreSQL's server binaries it warns loudly and skips.
define TEST_POSTGRES
if ! scripts/pg-test-cluster bindir >/dev/null 2>&1; then
  cat >&2 <<'WARNING'

##########################################################################################
#                                                                                        #
#   WARNING: PostgreSQL server binaries (initdb, postgres) were not found.               #
#   The PostgreSQL pass of the test suite is SKIPPED; only SQLite was tested.            #
#                                                                                        #
#   Install them (Debian: apt-get install postgresql) or set PG_BINDIR, then run again.  #
#                                                                                        #
##########################################################################################

WARNING
else
  say "pytest on PostgreSQL (throwaway cluster)"
  pg_dir=$$(mktemp -d "$${TMPDIR:-/tmp}/anlaufstelle-pg.XXXXXX")
  trap 'scripts/pg-test-cluster stop "$$pg_dir" || true' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  pg_url=$$(scripts/pg-test-cluster start "$$pg_dir")
  run env ANLAUFSTELLE_TEST_DB="$$pg_url" $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS) $(PG_PYTEST_ARGS)
fi
endef

lint: $(TEST_STAMP)
	@$(PRELUDE)
	$(LINT)

test-sqlite: $(TEST_STAMP) compile-catalogs
	@$(PRELUDE)
	$(TEST_SQLITE)

test-postgres: $(TEST_STAMP) compile-catalogs
	@$(PRELUDE)
	$(TEST_POSTGRES)

# Lint first (a finding stops it); then the two database passes side by side (most of a pass is waiting on
# sockets and timers, so two fit on two cores), each into its own log, printed when both are done.
TEST_LOGS := test-artifacts
test: $(TEST_STAMP) compile-catalogs
	@$(PRELUDE)
	$(LINT)
	mkdir -p $(TEST_LOGS)
	say "pytest on SQLite and on PostgreSQL, side by side (logs: $(TEST_LOGS)/pytest-*.log)"
	( $(TEST_SQLITE) ) >$(TEST_LOGS)/pytest-sqlite.log 2>&1 & sqlite_pid=$$!
	( $(TEST_POSTGRES) ) >$(TEST_LOGS)/pytest-postgres.log 2>&1 & pg_pid=$$!
	sqlite_status=0; wait $$sqlite_pid || sqlite_status=$$?
	pg_status=0; wait $$pg_pid || pg_status=$$?
	cat $(TEST_LOGS)/pytest-sqlite.log $(TEST_LOGS)/pytest-postgres.log
	say "SQLite pass: $$([ $$sqlite_status = 0 ] && echo passed || echo "FAILED ($$sqlite_status)")," \
	  "PostgreSQL pass: $$([ $$pg_status = 0 ] && echo passed || echo "FAILED ($$pg_status)")"
	[ $$sqlite_status = 0 ] && [ $$pg_status = 0 ]

# Rewrites the code into shape: ruff format, then the fixable lint findings.
format: $(TEST_STAMP)
	@$(PRELUDE)
	run $(BIN)/ruff format .
	run $(BIN)/ruff check --fix .

# --- catalogs ----------------------------------------------------------------------------------------------

catalogs: $(BASE_STAMP)
	@$(PRELUDE)
	packages="$(wildcard $(I18N_PACKAGES))"
	[ -n "$$packages" ] || { echo "none of $(I18N_PACKAGES) exists yet: nothing to extract"; exit 0; }
	mkdir -p locales
	say "extracting messages into locales/messages.pot"
	run $(BIN)/pybabel extract $(if $(wildcard babel.cfg),-F babel.cfg) \
	  -k _ -k gettext -k ngettext:1,2 -k N_ --add-comments=TRANSLATORS: \
	  --project=anlaufstelle -o locales/messages.pot $$packages
	if compgen -G 'locales/*/LC_MESSAGES/messages.po' >/dev/null; then
	  say "updating the catalogs"
	  run $(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete
	  say "compiling the catalogs"
	  run $(BIN)/pybabel compile -d locales -D messages --statistics
	else
	  echo "no locales/*/LC_MESSAGES/messages.po yet; start one with:"
	  echo "  $(BIN)/pybabel init -i locales/messages.pot -d locales -D messages -l LANG"
	fi

# --- benchmarks --------------------------------------------------------------------------------------------

bench: $(TEST_STAMP) compile-catalogs
	@$(PRELUDE)
	say "benchmarks"
	run $(BIN)/python -m benchmarks

# --- lock --------------------------------------------------------------------------------------------------

# Resolves from scratch (no -c) in a temporary venv, so .venv's leftovers cannot leak into the lock.
lock:
	@$(PRELUDE)
	tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/anlaufstelle-lock.XXXXXX")
	trap 'rm -rf "$$tmp"' EXIT
	say "resolving .[test] in a fresh venv ($$tmp)"
	run $(PYTHON) -m venv "$$tmp/venv"
	run "$$tmp/venv/bin/python" -m pip install --quiet 'pip==$(PIP_VERSION)'
	run "$$tmp/venv/bin/python" -m pip install --quiet -e '.[test]'
	{
	  echo "# Every package of a fresh \`pip install -e '.[test]'\` (Python $$("$$tmp/venv/bin/python" -c 'import platform; print(platform.python_version())'), pip $(PIP_VERSION), Linux)."
	  echo "# Used as constraints (-c) by the Makefile, CI and the Dockerfile, so all install exactly what was tested."
	  echo "# Do not edit by hand. After changing dependencies in pyproject.toml, regenerate it with: make lock"
	  "$$tmp/venv/bin/python" -m pip freeze --exclude-editable
	} > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	say "wrote $(LOCK) ($$(grep -vc '^#' $(LOCK)) packages)"

# --- cleaning ----------------------------------------------------------------------------------------------

# var/ holds the local database and the generated SECRET_KEY: no target here ever removes it.
clean:
	@$(PRELUDE)
	run rm -rf build dist .mypy_cache .ruff_cache .pytest_cache .hypothesis test-artifacts ./*.egg-info
	run find . -path ./$(VENV) -prune -o \( -name __pycache__ -type d -prune -exec rm -rf {} + \) \
	  -o \( -name '*.mo' -path './locales/*' -type f -exec rm -f {} + \)

distclean: clean
	@$(PRELUDE)
	run rm -rf $(VENV)
