# One-command entry points: `make demo` and `make test` work on a fresh Debian machine with only Python.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test system-deps venv bench clean

system-deps:
	@bash scripts/system-deps.sh

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	# face_recognition's metadata requires `dlib` (a source build); dlib-bin already provides the module.
	$(PY) -m pip install --quiet --no-deps face_recognition==1.3.0
	touch $(STAMP)

venv: $(STAMP)

demo: system-deps venv
	$(PY) scripts/demo.py

test: system-deps venv
	bash scripts/run-tests.sh

bench: system-deps venv
	bash scripts/run-bench.sh

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
