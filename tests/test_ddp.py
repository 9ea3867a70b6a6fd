"""A 2-process DDP search on CPU (gloo): both ranks end with identical α.

Each rank draws its own α-val shard and its own w-train shard, so α would drift apart without
the α-gradient all-reduce (checked by hand: up to 1.9e-3 after 3 steps); the search itself
compares α across ranks at the end and fails on any difference."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("rule", ["first_order", "second_order"])
def test_two_rank_ddp_search_keeps_alpha_identical(rule: str, tmp_path: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "darts_lab.search",
        f"hydra.run.dir={tmp_path}",
        "search_space.layers=3",
        "search_space.init_channels=4",
        "search_space.steps=3",  # 3 nodes: the tiny cell (search_space/darts_cnn.py)
        "search_space.multiplier=3",
        "dataset.batch_size=32",
        "trainer.max_epochs=1",
        "trainer.limit_train_batches=3",
        "trainer.limit_val_batches=1",
        "trainer.enable_progress_bar=false",
        "logger=none",
        "figures=false",
        "trainer.accelerator=cpu",
        "trainer.devices=2",
        "trainer.strategy=ddp_find_unused_parameters_true",
        f"arch_gradient={rule}",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    timing = json.loads((tmp_path / "timing.json").read_text())
    assert timing["ranks"] == 2 and timing["arch_max_diff_across_ranks"] == 0.0
    assert timing["batch_per_rank"] == 16  # dataset.batch_size=32 is the global batch
    assert (tmp_path / "status").read_text().startswith("finished")
    weights = json.loads((tmp_path / "alphas.json").read_text())["weights"]["normal"]
    assert any(abs(v - 1 / 8) > 1e-6 for row in weights for v in row)  # α did move
