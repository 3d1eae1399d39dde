PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CLAUDE_VERSION := 2.1.328

.PHONY: run test bench clean

$(BIN)/ccsess: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/ccsess
	$(BIN)/ccsess

test: $(BIN)/ccsess
	$(BIN)/python tests/support/claude_cli.py --install $(CLAUDE_VERSION)
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -q -p no:cacheprovider

bench: $(BIN)/ccsess
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python tests/support/claude_cli.py --install $(CLAUDE_VERSION)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build dist
