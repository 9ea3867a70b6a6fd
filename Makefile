PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: install search search-cnn search-rnn regret test lint bench bench-scaling clean

# Re-installs only when pyproject.toml or the constraints change.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# DARTS on the embedded benchmark: ends with the true test accuracy, regret and percentile
search: $(STAMP)
	WANDB_MODE=offline $(BIN)/python -m darts_lab.search $(ARGS) +overlay=embedded

# DARTS on the DARTS CNN cell (digits; no ground truth to score it against)
search-cnn: $(STAMP)
	WANDB_MODE=offline $(BIN)/python -m darts_lab.search $(ARGS)

# DARTS-PRIME on the DARTS recurrent cell, on the embedded corpus (64 units, 10 epochs)
search-rnn: $(STAMP)
	WANDB_MODE=offline $(BIN)/python -m darts_lab.search +experiment=darts_prime_ptb +overlay=tiny_corpus $(ARGS)

# The regret table of README "Search quality": 12 methods x 4 seeds (101-104) on the embedded benchmark,
# 2 jobs at a time, then darts_lab.report (+ random search) into multirun/regret/report.md
REGRET := +overlay=embedded seed=101,102,103,104 logger=none trainer.enable_progress_bar=false \
	hydra/launcher=joblib hydra.launcher.n_jobs=2 hydra.sweep.dir=multirun/regret \
	hydra.sweep.subdir='$${hydra.job.override_dirname}'
regret: $(STAMP)
	rm -rf multirun/regret
	OMP_NUM_THREADS=1 $(BIN)/python -m darts_lab.search -m \
		+experiment=darts,darts_erm,cs10,fimt,pr,darts_prime,gdas,pcdarts $(REGRET)
	OMP_NUM_THREADS=1 $(BIN)/python -m darts_lab.search -m \
		+experiment=gaea_darts_erm,gaea_darts_bilevel,gaea_gdas,gaea_pcdarts \
		arch_optimizer.lr=0.1 $(REGRET)
	$(BIN)/python -m darts_lab.report multirun/regret

test: $(STAMP)
	WANDB_MODE=offline $(BIN)/python -m pytest -n 2 --dist worksteal tests

lint: $(STAMP)
	$(BIN)/ruff check darts_lab tests benchmarks
	$(BIN)/ruff format --check darts_lab tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/search_step.py

bench-scaling: $(STAMP)
	$(BIN)/python benchmarks/search_step.py --scaling --steps 5 --warmup 1

clean:
	rm -rf outputs multirun/*/ .pytest_cache
