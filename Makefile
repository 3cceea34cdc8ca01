# The two commands of the README:
#   make demo   set everything up and run the main job on a built-in default
#   make test   set everything up and run the tests
VENV ?= .venv
PY := $(VENV)/bin/python
YAHPO_DATA ?= $(or $(RL_HPO_YAHPO_DATA),$(abspath ../shared/benchmarks/yahpo_data))
PYTEST_ARGS ?=

.PHONY: setup setup-dev demo test lint clean

setup:
	@scripts/setup_env.sh

setup-dev:
	@scripts/setup_env.sh dev,ray

demo: setup
	@RL_HPO_YAHPO_DATA="$(YAHPO_DATA)" $(PY) scripts/demo.py

test: setup-dev
	@RL_HPO_YAHPO_DATA="$(YAHPO_DATA)" scripts/run_tests.sh $(PYTEST_ARGS)

lint: setup-dev
	@$(VENV)/bin/ruff check rl_hpo tests scripts benchmarks && $(VENV)/bin/ruff format --check rl_hpo tests scripts benchmarks && $(VENV)/bin/mypy rl_hpo

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache
