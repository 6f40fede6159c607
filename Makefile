# One-command setup + run. `make demo` and `make test` work on a fresh machine
# with only python3 (>= 3.10) and make: they create .venv and install into it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-quick clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m torchsmote demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m pytest bench -q --benchmark-enable \
		--benchmark-columns=min,median,max,rounds --benchmark-json=bench/last-run.json

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
