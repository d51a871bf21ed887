# Two entry points a fresh machine needs: `make demo` and `make test`.
# Both create .venv/ on first use and install the package into it. `make test`
# also installs what the tests drive from outside Python (when run as root on
# Debian: mkdssp, Chromium, Node.js) and the pinned esbuild from npm.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch: the CPU build unless an NVIDIA GPU is present (tools/install_torch.sh says which build it
# installed). Override with TORCH_BUILD=cpu|cuda, or TORCH_INDEX=URL for one index only, e.g.
#   make install TORCH_INDEX=https://download.pytorch.org/whl/cu128
TORCH ?= torch==2.13.0
TORCH_BUILD ?= auto
TORCH_INDEX ?=
DEMO_DIR ?= protattn-demo

.PHONY: install system-deps js js-test demo test docs bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	TORCH_BUILD="$(TORCH_BUILD)" TORCH_INDEX="$(TORCH_INDEX)" sh tools/install_torch.sh $(BIN)/python "$(TORCH)"
	$(BIN)/python -m pip install --quiet --editable ".[test]"
	touch $@

# Installs, with apt when we are root, only the packages of missing commands (mkdssp, chromium,
# node, npm; never Debian's npm next to NodeSource's nodejs), showing apt's output; otherwise says
# what is missing, and the tests that need it fail with that message (they never skip).
system-deps:
	@sh tools/system_deps.sh

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

# The README's screenshots: the browser tests take them into build/screenshots/ (gitignored, so
# `make test` leaves the clone as it was); this runs those tests and copies the pictures to docs/.
SCREENSHOTS := build/screenshots
docs: install system-deps
	rm -rf $(SCREENSHOTS)
	PROTATTN_SCREENSHOTS=$(abspath $(SCREENSHOTS)) $(BIN)/python -m pytest tests/browser -q
	cp -v $(SCREENSHOTS)/*.png docs/

bench: install
	$(BIN)/python bench/bench_attention.py
	$(BIN)/python bench/bench_analysis.py
	$(BIN)/python bench/bench_widgets.py --browser
	$(BIN)/python bench/wire_structure_view.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) node_modules build *.egg-info
