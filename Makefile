# pelkit: the two quick-start targets work from a fresh clone.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# one BLAS thread per process: tests and campaign workers run in parallel processes, and
# oversubscribed OpenBLAS makes a 450x450 eigh 200x slower on a 2-core machine
export OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

## make run: set up and run the flagship study (KA landscape, laptop preset) into runs/ka-laptop
run: $(STAMP)
	$(BIN)/pelkit study run ka-landscape --preset laptop --out runs/ka-laptop --resume

## make test: set up and run the whole test suite
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) runs .pytest_cache
