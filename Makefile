# Two commands: `make app` (set up and open the app) and `make test` (set up and pass the tests).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# one stamp per set of extras installed: `make app` needs the app extra, `make test` everything (dev)
APP_STAMP := $(VENV)/.installed-app
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: app test lint bench golden setup clean

$(VENV)/bin/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(APP_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e ".[app]"
	touch $(APP_STAMP)

$(DEV_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(DEV_STAMP) $(APP_STAMP)

setup: $(DEV_STAMP)

app: $(APP_STAMP)
	$(BIN)/streamlit run app.py --server.port 8501 --server.headless true

test: $(DEV_STAMP)
	$(BIN)/ruff check sandbox tests benchmarks notebooks/make_notebooks.py $(wildcard app.py ui)
	$(BIN)/ruff format --check sandbox tests benchmarks notebooks/make_notebooks.py $(wildcard app.py ui)
	$(BIN)/python -m pytest -q

# rewrite tests/golden/ (the exact results of every preset): commit it on its own, saying why numbers moved
golden: $(DEV_STAMP)
	$(BIN)/python -m sandbox.golden --update

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/bench_model.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
