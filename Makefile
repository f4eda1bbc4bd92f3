# Two set-up commands: `make demo` and `make test`. Both create .venv when it is missing and install what they need.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: demo test bench docs clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamp files re-run the install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[bench]"
	touch $@ $(VENV)/.installed

# The main job: every registered study at its quick size, the claims tables, and the HTML report.
demo: $(VENV)/.installed
	$(VENV)/bin/stratlearn reproduce all --quick --output runs/reproduce

# The larger TNTP networks some tests read (they skip, with the reason, without them): $STRATLEARN_TEST_DATA names
# the folder holding tntp/<network>/; by default ../shared/data when that folder exists.
STRATLEARN_TEST_DATA ?= $(if $(wildcard ../shared/data),$(abspath ../shared/data))

test: $(VENV)/.installed-test
	STRATLEARN_TEST_DATA="$(STRATLEARN_TEST_DATA)" $(PY) -m pytest -q
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet --site-dir $$(mktemp -d)

bench: $(VENV)/.installed-bench
	cd benchmarks && ../$(PY) matrix_games.py && ../$(PY) equilibria.py && ../$(PY) zero_sum_batch.py && ../$(PY) markov_games.py && ../$(PY) sweeps.py && ../$(PY) function_approximation.py && ../$(PY) model_selection.py && ../$(PY) distribution_shift.py && ../$(PY) routing.py && ../$(PY) collective_action.py && ../$(PY) cli.py

docs: $(VENV)/.installed-test
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) site runs .pytest_cache .hypothesis
