# Two commands: `make serve` runs Pressroom, `make test` runs the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: serve test test-fast lint fuzz manage bench bench-full bench-million bench-at bench-text wrk chromium

$(BIN)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("Pressroom needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# Development values for a machine that serves itself only; production sets its own
# SECRET_KEY and ALLOWED_HOSTS (README, "Deploying"), which these never override.
DATA_DIR := $(or $(PRESSROOM_DATA_DIR),var)
serve manage: export ALLOWED_HOSTS ?= 127.0.0.1,localhost,[::1]
ifndef SECRET_KEY
serve manage: export SECRET_KEY_FILE ?= $(abspath $(DATA_DIR)/secret_key)
endif

$(DATA_DIR)/secret_key:
	@mkdir -p $(DATA_DIR)
	@umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

# A development archive: demo releases when it is empty (prepare_archive never adds them unasked).
serve: $(BIN)/.installed $(if $(SECRET_KEY),,$(DATA_DIR)/secret_key)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py prepare_archive --demo
	$(BIN)/gunicorn --config gunicorn.conf.py pressroom.wsgi

test: $(BIN)/.installed chromium
	$(BIN)/python -m pytest

# The in-process tests only: what a change to parsing, search or the admin needs first. `make test`
# runs these and the slow, out-of-process ones (gunicorn, Chromium, several processes) too.
test-fast: $(BIN)/.installed
	$(BIN)/python -m pytest -m "not slow"

# The layout and the linter's findings (ruff.toml); CI fails on either. `ruff format .` lays out what it reports.
lint: $(BIN)/.installed
	$(BIN)/ruff format --check --quiet .
	$(BIN)/ruff check --quiet .

# A longer hostile-input run than the suite's: thousands of generated query strings and uploads
# against gunicorn, and of inputs to the parsers (HYPOTHESIS_PROFILE=fuzz; PRESSROOM_FUZZ_EXAMPLES
# sets the requests per HTTP test). Failures found are kept in var/hypothesis and tried first next time.
fuzz: $(BIN)/.installed
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/hostile/test_fuzz.py tests/hostile/test_properties.py -p no:cacheprovider

# Any management command with the development values above: make manage ARGS="check_index --fix"
manage: $(BIN)/.installed $(if $(SECRET_KEY),,$(DATA_DIR)/secret_key)
	$(BIN)/python manage.py $(ARGS)

# Benchmarks, separate from the tests (see bench/RESULTS.md): generated articles with a fixed
# seed, every figure beside its baselines measured in the same run, archives kept in /tmp between
# runs. `bench` takes about 25 minutes at 10,000 articles with the text benchmark, `bench-full`
# about an hour at 100,000, `bench-million` several hours at 1,000,000 (most of it the baselines);
# each ends with the cost curve of the newest runs at every size.
bench: $(BIN)/.installed wrk
	$(BIN)/python bench/country_accuracy.py --save
	$(MAKE) --no-print-directory bench-text
	$(MAKE) --no-print-directory bench-at ARTICLES=10000

# Every text processor on hostile text from 10 KB to 2 MB: seconds per MB must stay flat.
bench-text: $(BIN)/.installed
	$(BIN)/python bench/text_bench.py --save

bench-full: $(BIN)/.installed wrk
	$(MAKE) --no-print-directory bench-at ARTICLES=100000

bench-million: $(BIN)/.installed wrk
	$(MAKE) --no-print-directory bench-at ARTICLES=1000000

# Search first: it makes the archive of that size the others use. The import adds 10,000 new
# releases to a copy of it.
bench-at:
	$(BIN)/python bench/search_bench.py --articles $(ARTICLES)
	$(BIN)/python bench/rebuild_bench.py --articles $(ARTICLES)
	$(BIN)/python bench/import_bench.py --articles 10000 --archive $(ARTICLES)
	$(BIN)/python bench/load.py --articles $(ARTICLES)
	$(BIN)/python bench/first_search.py --articles $(ARTICLES)
	$(BIN)/python bench/cost_curve.py

# The browser tests drive Debian's Chromium (Playwright downloads no browser of its own): installed
# as .ci/run installs it where this user may install packages (root, or sudo without a password),
# otherwise named in one line. PRESSROOM_CHROMIUM names another binary, which the tests then launch.
AS_ROOT := $(if $(filter 0,$(shell id -u)),,sudo -n)
CHROMIUM_MISSING := make test needs Debian's Chromium for the browser tests: run \`sudo apt-get install \
  chromium\` (or \`make test-fast\` without them)
chromium:
	@command -v "$${PRESSROOM_CHROMIUM:-chromium}" >/dev/null || \
	  { [ -z "$$PRESSROOM_CHROMIUM" ] && command -v apt-get >/dev/null && $(AS_ROOT) true 2>/dev/null && \
	    $(AS_ROOT) env DEBIAN_FRONTEND=noninteractive sh -c \
	      'apt-get update -qq && apt-get install -y -qq chromium >/dev/null'; } || \
	  { echo "$(CHROMIUM_MISSING)" >&2; exit 1; }

# The load benchmark drives gunicorn with wrk, from Debian's packages.
wrk:
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
