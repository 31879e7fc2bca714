# The two commands in the README: `make run` and `make test`. Everything installs itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast test-postgres lint bench soak assets install install-test clean docs wheel check-wheel cluster \
	translations catalogues

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The governance example is an organisation's own plugin, installed beside the portal (off until
# allow-listed: COPROD_PLUGINS=builtins,governance).
EXAMPLES := -e ./examples/governance

# constraints.txt pins every dependency, direct or not, to the versions tested together.
$(VENV)/.installed: pyproject.toml examples/governance/pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e . $(EXAMPLES)
	touch $@

$(VENV)/.installed-test: pyproject.toml examples/governance/pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e '.[test]' $(EXAMPLES)
	touch $(VENV)/.installed $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

coprod_portal/static/govuk/portal.css: node_modules/.package-lock.json assets/portal.scss
	npm run -s build

assets: coprod_portal/static/govuk/portal.css

# Translations. Each package keeps its own catalogues (folder:domain); the Welsh .po files are
# written by people, the .mo files the portal reads are compiled from them here, never committed.
# `make translations TRANSLATED=plugins/network:network` updates one package only.
TRANSLATED ?= coprod_portal:coprod_portal plugins/network:network plugins/checklists:checklists \
	plugins/lived_experience:lived_experience plugins/practice:practice training:training \
	examples/governance/governance:governance
LANGUAGES := cy
CATALOGUES := $(patsubst %.po,%.mo,$(foreach pair,$(TRANSLATED),\
	$(wildcard $(firstword $(subst :, ,$(pair)))/translations/*/LC_MESSAGES/*.po)))

%.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@ --statistics

catalogues: $(CATALOGUES)

# Find every marked text, bring each language's catalogue up to date (new texts left empty for a
# translator), then compile. Run after changing texts in code or templates.
translations: $(VENV)/.installed
	@for pair in $(TRANSLATED); do \
	  folder=$${pair%%:*}; domain=$${pair##*:}; out=$$folder/translations; \
	  cfg=$$folder/../babel.cfg; [ -f $$cfg ] || cfg=babel.cfg; \
	  mkdir -p $$out; \
	  $(BIN)/pybabel -q extract -F $$cfg -k _l -k lazy_ngettext:1,2 --ignore-dirs='.* _* plugin_template' \
	    --project "Co-production Portal" --copyright-holder "Co-production Portal contributors" \
	    --msgid-bugs-address "" --sort-by-file -o $$out/$$domain.pot $$folder || exit 1; \
	  for language in $(LANGUAGES); do \
	    if [ -f $$out/$$language/LC_MESSAGES/$$domain.po ]; then \
	      $(BIN)/pybabel -q update -i $$out/$$domain.pot -d $$out -D $$domain -l $$language \
	        --no-fuzzy-matching --ignore-obsolete || exit 1; \
	    else \
	      $(BIN)/pybabel -q init -i $$out/$$domain.pot -d $$out -D $$domain -l $$language || exit 1; \
	    fi; \
	  done; \
	done
	@$(MAKE) --no-print-directory catalogues

install: $(VENV)/.installed assets catalogues

install-test: $(VENV)/.installed-test assets catalogues

run: install
	$(FLASK) db upgrade
	$(FLASK) plugins check || true
	$(FLASK) seed-demo
	@echo ""
	@echo "  Co-production Portal: http://$(HOST):$(PORT)/  (sign in with a demo account above)"
	@echo "  Background jobs: a worker runs beside the web server (Ctrl-C stops both)."
	@echo ""
	@$(FLASK) jobs run --workers 2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) --access-logfile - wsgi:app

# The suite runs on every core (pytest-xdist): each worker has its own temporary folders and
# free ports, one Chromium, and on PostgreSQL its own database copied from one migrated template.
# TEST_WORKERS=0 runs it in one process; PYTEST_ARGS adds pytest options (-x, -k name, ...).
# The slowest tests are listed at the end: that is where the time went.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup --durations=15 --durations-min=1 $(PYTEST_ARGS)

test: lint
	$(PYTEST)
	$(PYTEST) examples/governance

# The quick loop while working: everything but the browser tests, without lint.
test-fast: install-test
	$(PYTEST) -m "not browser"
	$(PYTEST) examples/governance

test-postgres: install-test
	$(PYTEST) -m "not browser"
	$(PYTEST) examples/governance

lint: install-test
	$(BIN)/python .ci/check_constraints.py
	$(BIN)/ruff check coprod_portal plugins training tests examples docs benchmarks .ci
	$(BIN)/mypy
	$(BIN)/lint-imports
	COPROD_INSTANCE_PATH=$$(mktemp -d) COPROD_PLUGINS=builtins,governance $(FLASK) plugins check

bench: install-test
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

# Load and faults on 127.0.0.1: SOAK_CLIENTS (64) clients for SOAK_SECONDS (60); PostgreSQL when
# DATABASE_URL is set (SOAK_PG_DIR=the .ci/postgres.sh folder adds a server restart).
soak: install-test
	$(BIN)/python benchmarks/soak.py

# A wheel to install elsewhere (compiled GOV.UK assets inside: the server needs no Node.js).
wheel: install assets
	rm -rf build  # setuptools' staging folder: a file deleted since the last build would ship again
	$(BIN)/pip wheel -q --no-deps --wheel-dir dist .
	@ls dist/coprod_portal-*.whl

# PostgreSQL, Redis, an S3-compatible store, two portal servers and HAProxy, all on 127.0.0.1.
cluster: install-test
	PORT=$(PORT) $(BIN)/python benchmarks/cluster.py

# Build the wheel, install it in a clean virtual environment, serve it, sign in (run by .ci/run).
check-wheel: install assets
	.ci/check_wheel.sh

docs: $(VENV)/.installed
	$(BIN)/python docs/generate.py

clean:
	rm -rf $(VENV) node_modules coprod_portal/static/govuk
