# Two commands: `make app` (set up and open the app) and `make test` (set up and pass the tests).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: app test lint bench golden setup clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

app: $(STAMP)
	$(BIN)/streamlit run app.py --server.port 8501 --server.headless true

test: $(STAMP)
	$(BIN)/ruff check sandbox tests benchmarks notebooks/make_notebooks.py $(wildcard app.py ui)
	$(BIN)/ruff format --check sandbox tests benchmarks notebooks/make_notebooks.py $(wildcard app.py ui)
	$(BIN)/python -m pytest -q

# rewrite tests/golden/ (the exact results of every preset): commit it on its own, saying why numbers moved
golden: $(STAMP)
	$(BIN)/python -m sandbox.golden --update

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
