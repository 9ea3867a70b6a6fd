PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: install search search-cnn search-rnn regret test lint docs docs-build bench bench-scaling gpu-check clean

# Re-installs only when pyproject.toml or the constraints change.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[test,docs]'
	touch $(STAMP)

install: $(STAMP)

# DARTS on the embedded benchmark: ends with the true test accuracy, regret and percentile, and
# the method's regret over make regret's 10 seeds. The same computation as make regret's row
# (float64, one thread: the same cell on every x86 machine); another row: EXPERIMENT=fimt
EXPERIMENT ?= darts
search: $(STAMP)
	WANDB_MODE=offline $(BIN)/python -m darts_lab.search +experiment=$(EXPERIMENT) $(ARGS) +overlay=embedded

# DARTS on the DARTS CNN cell (digits; no ground truth to score it against)
search-cnn: $(STAMP)
	WANDB_MODE=offline $(BIN)/python -m darts_lab.search $(ARGS)

# DARTS-PRIME on the DARTS recurrent cell, on the embedded corpus (64 units, 10 epochs)
search-rnn: $(STAMP)
	WANDB_MODE=offline $(BIN)/python -m darts_lab.search +experiment=darts_prime_ptb +overlay=tiny_corpus $(ARGS)

# The regret table (docs "Embedded benchmark"): the rows of conf/regret.yaml (19 methods with
# their alpha learning rates, 5 with perturbation selection) x 10 seeds (0-9) on the embedded
# benchmark, 2 jobs at a time with one thread each (darts_lab/embedded/regret_rows.py), then
# darts_lab.report (+ the black-box baselines, CIs, paired tests, CIFAR-10 transfer with the
# analognas extra) into multirun/regret/report.md,
# and publishes the rows (darts_lab/embedded/regret_results.json: make search's context line)
# with `report --publish`. Re-running it finishes an interrupted sweep (resume=auto: finished jobs
# are skipped, cut-off ones resume).
regret: $(STAMP)
	$(BIN)/pip install -q -c constraints.txt -e '.[analognas]'
	$(BIN)/python -m darts_lab.embedded.regret_rows
	$(BIN)/python -m darts_lab.report multirun/regret --publish

# The GPU acceptance check (docs/performance.md): experiment rows covering every family option on
# every space, fp32 / bf16-mixed / NHWC, a CPU->GPU resume, 1-process NCCL DDP, a retraining;
# gpu_check.json + a table.
# ARGS="--original-darts PATH" adds the side-by-side against quark0/darts; CPU mode (what the
# tests run): ARGS="--device cpu --tiny"
gpu-check: $(STAMP)
	$(BIN)/python scripts/gpu_check.py $(ARGS)

test: $(STAMP)
	WANDB_MODE=offline $(BIN)/python -m pytest -n 2 --dist worksteal tests

# the documentation site (docs/, mkdocs.yml) at http://127.0.0.1:8000; .ci/run builds it strictly
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

docs-build: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

lint: $(STAMP)
	$(BIN)/ruff check darts_lab tests scripts
	$(BIN)/ruff format --check darts_lab tests scripts

bench: $(STAMP)
	$(BIN)/python scripts/search_step.py

bench-scaling: $(STAMP)
	$(BIN)/python scripts/search_step.py --scaling --steps 5 --warmup 1

clean:
	rm -rf outputs multirun/*/ .pytest_cache site
