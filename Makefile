# Two commands do all set-up on a fresh Linux machine with Python 3.11+:
#   make run    installs what is needed and opens the app on the built-in sandbox
#   make test   installs what is needed and runs every check headless
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# More workers than the two cores: many tests spend their time waiting on a rate limit or a
# loopback server, and a third worker fills those waits. A worker that crashes ends the run red
# (--max-worker-restart=0): a replaced worker left the class-grouping scheduler waiting for ever.
TEST_WORKERS ?= 3
# Headless Qt; and byte-code caches written even where PYTHONDONTWRITEBYTECODE is set, so the
# workers and the CLI processes the tests start compile (and pytest rewrites) each module once.
PYTEST_ENV := QT_QPA_PLATFORM=offscreen PYTHONDONTWRITEBYTECODE=

.PHONY: run test test-frozen lint typecheck pytest sandbox package bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "explorer needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@bash scripts/ensure-system-libs.sh
	@touch $(STAMP)

run: $(STAMP)
	@bash scripts/ensure-system-libs.sh xcb
	$(BIN)/explorer --demo

test: $(STAMP)
	$(BIN)/ruff check explorer tests benchmarks
	$(BIN)/ruff format --check explorer tests benchmarks scripts packaging
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo
	$(PYTEST_ENV) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --max-worker-restart=0 -m "not frozen"

# The PyInstaller bundle, built once into a temporary folder, and the frozen app's checks
# (tests/test_packaging.py, marker `frozen`): CI's second step, after `make test`.
test-frozen: $(STAMP)
	$(PYTEST_ENV) $(BIN)/python -m pytest -p no:xdist -m frozen

sandbox: $(STAMP)
	$(BIN)/explorer-cli sandbox

# Every benchmark against the sandbox: `name: value` lines, then a summary (benchmarks/run.py).
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache

# One-folder app in dist/explorer (dist/explorer.app on macOS); see packaging/explorer.spec.
.PHONY: smoke
package: $(STAMP)
	@$(BIN)/python -c 'import PyInstaller' 2>/dev/null || $(BIN)/python -m pip install --quiet 'pyinstaller>=6.10'
	$(BIN)/python packaging/build_app.py --distpath dist --workpath build/pyinstaller

# Runs the frozen app's self-check (builds it first if there is no bundle yet).
smoke:
	@test -x dist/explorer/explorer || $(MAKE) package
	dist/explorer/explorer --smoke
