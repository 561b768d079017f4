# Two commands for a fresh machine:  make demo  (install, build the demo observatory, show it)
#                                    make test  (install, lint, architecture check, full test suite)
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv

.PHONY: install demo test lint bench
install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet uv==0.13.8
	$(UV) pip install --quiet --python $(PY) -r requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	touch $@

demo: install
	$(VENV)/bin/salus demo

lint: install
	$(VENV)/bin/ruff check salus tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy salus

test: lint
	$(VENV)/bin/pytest

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock:
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock
