PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: install search test lint bench bench-scaling clean

# Re-installs only when pyproject.toml or the constraints change.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

search: $(STAMP)
	WANDB_MODE=offline $(BIN)/python -m darts_lab.search $(ARGS)

test: $(STAMP)
	WANDB_MODE=offline $(BIN)/python -m pytest tests

lint: $(STAMP)
	$(BIN)/ruff check darts_lab tests benchmarks
	$(BIN)/ruff format --check darts_lab tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/search_step.py

bench-scaling: $(STAMP)
	$(BIN)/python benchmarks/search_step.py --scaling --steps 5 --warmup 1

clean:
	rm -rf outputs multirun/*/ .pytest_cache
