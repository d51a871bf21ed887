# Two entry points a fresh machine needs: `make demo` and `make test`.
# Both create .venv/ on first use and install the package into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch 2.13.0 (a bare `torch` would pull a multi-GB CUDA build on Linux).
TORCH ?= torch==2.13.0
DEMO_DIR ?= protattn-demo

.PHONY: install demo test bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet --editable ".[test]"
	touch $@

demo: install
	$(BIN)/protattn demo -o $(DEMO_DIR)

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/bench_attention.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) build *.egg-info
