# Two commands: `make serve` runs Pressroom, `make test` runs the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: serve test bench

$(BIN)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("Pressroom needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

serve: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py prepare_archive
	$(BIN)/gunicorn --config gunicorn.conf.py pressroom.wsgi

test: $(BIN)/.installed
	$(BIN)/python -m pytest

# Benchmarks, separate from the tests: 10,000 generated articles, ratios against baselines.
bench: $(BIN)/.installed
	$(BIN)/python bench/import_bench.py --articles 10000
	$(BIN)/python bench/search_bench.py --articles 10000
	$(BIN)/python bench/load.py --articles 10000
