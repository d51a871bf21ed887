# Two entry points a fresh machine needs: `make demo` and `make test`.
# Both create .venv/ on first use and install the package into it; `make test`
# also installs the system tools the tests use (mkdssp) when run as root on Debian.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch 2.13.0 (a bare `torch` would pull a multi-GB CUDA build on Linux).
TORCH ?= torch==2.13.0
DEMO_DIR ?= protattn-demo
SYSTEM_PACKAGES ?= dssp

.PHONY: install system-deps demo test bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet --editable ".[test]"
	touch $@

# mkdssp (secondary structure). Installed with apt when we are root; otherwise
# say what is missing and let the tests that need it fail with that message.
system-deps:
	@if command -v mkdssp >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	else echo "note: install $(SYSTEM_PACKAGES) (e.g. sudo apt-get install $(SYSTEM_PACKAGES)) for the DSSP tests"; fi

demo: install
	$(BIN)/protattn demo -o $(DEMO_DIR)

test: install system-deps
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/bench_attention.py
	$(BIN)/python bench/bench_analysis.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) build *.egg-info
