# Two entry points: `make run` builds and publishes the dataset, `make test` runs the tests.
# Both create the virtualenv in .venv and install the dependencies first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Prefect keeps its database here unless PREFECT_HOME is already set.
export PREFECT_HOME ?= $(CURDIR)/.state/prefect

.PHONY: setup run test lint evaluate clean-venv

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m pipeline run $(ARGS)

test: $(STAMP)
	$(BIN)/ruff check pipeline schemas tests benchmarks
	$(BIN)/python -m pytest $(PYTEST_ARGS)

evaluate: $(STAMP)
	$(BIN)/python -m pipeline evaluate --gold ../shared/eval/gold $(ARGS)

clean-venv:
	rm -rf $(VENV)
