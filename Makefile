# The two commands of the README:
#   make report   set everything up, run the analyses on the bundled SYNTHETIC trial, render the report
#   make test     set everything up, run the default (fast) test tier
# Options pass through ARGS, e.g. `make report ARGS="--data path/to/trial --strict"`.
VENV ?= .venv
PY := $(VENV)/bin/python
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg

.PHONY: env report test test-slow bench lint clean

env:
	@bash scripts/bootstrap.sh

report: env
	$(VENV)/bin/bayes-iris report $(ARGS)

test: env
	$(PY) -m pytest $(ARGS)

test-slow: env
	$(PY) -m pytest -m slow $(ARGS)

bench: env
	$(PY) benchmarks/run_all.py $(ARGS)

lint: env
	$(VENV)/bin/ruff check src tests analyses benchmarks
	$(VENV)/bin/ruff format --check src tests analyses benchmarks

clean:
	rm -rf results .bayes_iris_cache report/_output
