# `make test` and `make demo` each set everything up from scratch (a .venv beside this file)
# and are the two commands README.md starts with.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv test test-slow lint demo crds argocd clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,sdk]'
	touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -q -m "not slow"

test-slow: $(STAMP)
	$(BIN)/pytest -q -m slow

demo: $(STAMP)
	$(BIN)/hpo-reconciler demo

# Regenerate the Argo CD health patches from cronjob/argocd/health.lua.
argocd: $(STAMP)
	$(BIN)/python -m reconciler.tools.healthgen

# Regenerate crds/ from botocore's model and refresh the copies the kustomize base and chart ship.
crds: $(STAMP)
	$(BIN)/python -m reconciler.tools.crdgen
	bash cronjob/sync-crds.sh

# README's picture of `hpo-reconciler report`: the Hyperband sample run on the sandbox.
docs-images: $(STAMP)
	$(BIN)/python docs/images/generate.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
