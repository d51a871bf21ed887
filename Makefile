# Two entry points a fresh machine needs: `make demo` and `make test`.
# Both create .venv/ on first use and install the package into it. `make test`
# also installs what the tests drive from outside Python (when run as root on
# Debian: mkdssp, Chromium, Node.js) and the pinned esbuild from npm.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch 2.13.0 (a bare `torch` would pull a multi-GB CUDA build on Linux).
TORCH ?= torch==2.13.0
DEMO_DIR ?= protattn-demo
SYSTEM_PACKAGES ?= dssp chromium nodejs npm
SYSTEM_COMMANDS ?= mkdssp chromium node npm

.PHONY: install system-deps js js-test demo test bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet --editable ".[test]"
	touch $@

# Installed with apt when we are root; otherwise say what is missing, and the
# tests that need it fail with that message (they never skip).
system-deps:
	@missing=""; for c in $(SYSTEM_COMMANDS); do command -v $$c >/dev/null || missing="$$missing $$c"; done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $(SYSTEM_PACKAGES) (missing:$$missing)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	else echo "note: missing$$missing; install the Debian packages $(SYSTEM_PACKAGES)"; fi

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Rebuild protattn_widgets/widgets/static/ from js/ (the built files are committed).
js: node_modules/.package-lock.json
	npm run build

js-test: node_modules/.package-lock.json
	node --test js/tests/

demo: install
	$(BIN)/protattn demo -o $(DEMO_DIR)

test: install system-deps js-test
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/bench_attention.py
	$(BIN)/python bench/bench_analysis.py
	$(BIN)/python bench/bench_widgets.py --browser

clean:
	rm -rf $(VENV) $(DEMO_DIR) node_modules build *.egg-info
