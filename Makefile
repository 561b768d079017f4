# Two commands for a fresh machine:  make demo  (install, build the demo observatory, show it)
#                                    make test  (install, lint, architecture check, full test suite)
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
# Test processes (pytest-xdist): both cores by default; WORKERS=1 runs in one process.
WORKERS ?= 2
PYTEST := $(VENV)/bin/pytest -n $(WORKERS) --dist loadscope
# Keep compiled bytecode even where the environment says not to write it: without it every test
# process (and every `salus` command) compiles pandas, SciPy, SQLAlchemy… from source again.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install demo test test-fast test-sqlite test-postgresql lint bench lock fuzz
install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet uv==0.13.8
	$(UV) pip install --quiet --compile-bytecode --python $(PY) -r requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	touch $@

demo: install
	$(VENV)/bin/salus demo

lint: install
	$(VENV)/bin/ruff check salus tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy salus

# Everything, on SQLite and PostgreSQL (each test process copies one migrated template per backend).
test: lint
	$(PYTEST)

# The quick loop while developing: SQLite only, no browser, Spark or slow real-data tests.
test-fast: install
	$(PYTEST) --backend sqlite -m "not browser and not spark and not slow"

test-sqlite: install
	$(PYTEST) --backend sqlite

test-postgresql: install
	$(PYTEST) --backend postgresql

# A longer, randomised schemathesis run over the whole API (the suite's run is derandomised and
# short). FUZZ_EXAMPLES cases per operation; SALUS_FUZZ_SEED=<seed> replays a failing run.
FUZZ_EXAMPLES ?= 200
fuzz: install
	SALUS_FUZZ_RANDOM=1 SALUS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV)/bin/pytest \
		tests/test_api_schemathesis.py --backend sqlite -k no_generated_input -p no:cacheprovider

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock:
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock
