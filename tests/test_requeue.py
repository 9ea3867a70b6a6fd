"""SLURM pre-emption end to end on one machine: hydra/launcher=submitit_local runs submitit's
own job machinery (its USR2 handler, checkpoint(), requeue by exit code 144). The job is sent
USR2 from outside, as SLURM does, mid-search and again mid-retraining; it must checkpoint, be
requeued, resume in the same run dir by itself and end where an uninterrupted run ends."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from darts_lab.export.artifacts import read_status
from darts_lab.search import run_search
from tests.conftest import make_cfg

ROOT = Path(__file__).resolve().parents[1]
SEARCH = [
    "search_space.layers=3",
    "search_space.init_channels=4",
    "search_space.steps=3",  # 3 nodes: the tiny cell (search_space/darts_cnn.py)
    "search_space.multiplier=3",
    "dataset.batch_size=32",
    "trainer.max_epochs=2",  # signalled after epoch 0's checkpoint: epoch 1 is cut and resumed
    "trainer.limit_train_batches=8",
    "trainer.limit_val_batches=1",
    "seed=0",
    "perf.threads=1",  # the job and the reference: the same float reductions
]
RETRAIN = [
    "trainer.max_epochs=3",
    "trainer.limit_train_batches=8",
    "model.layers=2",
    "model.init_channels=4",
    "logger=none",
    "trainer.enable_progress_bar=false",
]
QUIET = ["logger=none", "trainer.enable_progress_bar=false", "figures=false"]
THEN_TRAIN = ["then_train=digits", "train_overrides=[" + ",".join(f'"{o}"' for o in RETRAIN) + "]"]


def job_pids(sweep: Path) -> list[int]:
    """The submitit task processes of this sweep (the jobs SLURM would signal)."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"submitit.core._submit" in args and any(str(sweep).encode() in a for a in args):
            pids.append(int(cmdline.parent.name))
    return pids


def signal_when(path: Path, sweep: Path, sweeper: subprocess.Popen, deadline: float) -> None:
    """Send USR2 to the job once `path` exists (an epoch has ended: the job is mid-training)."""
    while not path.exists():
        assert sweeper.poll() is None, "the sweep ended before the job could be signalled"
        assert time.time() < deadline, f"no {path} in time"
        time.sleep(0.05)
    pids = job_pids(sweep)
    assert pids, "no submitit job process found"
    for pid in pids:
        os.kill(pid, signal.SIGUSR2)


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="finds the job through /proc")
def test_preempted_job_requeues_itself_and_ends_as_uninterrupted(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    command = [
        sys.executable,
        "-m",
        "darts_lab.search",
        "-m",
        "hydra/launcher=submitit_local",
        f"hydra.sweep.dir={sweep}",
        "hydra.launcher.timeout_min=10",
        *QUIET,
        *SEARCH,
        *THEN_TRAIN,
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    sweeper = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, stderr=subprocess.STDOUT
    )
    run = sweep / "0"
    try:
        deadline = time.time() + 240
        signal_when(run / "checkpoints" / "last.ckpt", sweep, sweeper, deadline)
        signal_when(run / "train" / "checkpoints" / "last.ckpt", sweep, sweeper, deadline)
        output, _ = sweeper.communicate(timeout=max(1, deadline - time.time()))
    finally:
        sweeper.kill()
    assert sweeper.returncode == 0, output
    # each phase was checkpointed for a requeue, then finished in the same directory
    assert (run / "checkpoints" / "requeue.ckpt").is_file()
    assert (run / "train" / "checkpoints" / "requeue.ckpt").is_file()
    assert read_status(run) == read_status(run / "train") == "finished"
    logs = "".join(p.read_text() for p in (sweep / ".submitit").rglob("*_log.out"))
    for event in ("WARNING .* Caught signal SIGUSR2", "INFO .* Requeued job"):
        assert len(re.findall(f"^submitit {event}", logs, re.MULTILINE)) == 2, logs[-3000:]
    assert "weights_only" not in logs and "exists and is not empty" not in logs

    reference = tmp_path / "reference"
    run_search(make_cfg(*SEARCH, *THEN_TRAIN, *QUIET, tiny=False), reference)
    for name in ("alphas.json", "genotype.json"):
        assert json.loads((run / name).read_text()) == json.loads((reference / name).read_text())
    requeued, uninterrupted = (
        json.loads((d / "train" / "result.json").read_text()) for d in (run, reference)
    )
    assert requeued["test_acc"] == uninterrupted["test_acc"]
    weights = [
        torch.load(d / "train" / "checkpoints" / "last.ckpt", weights_only=True)
        for d in (run, reference)
    ]
    for key, value in weights[1]["state_dict"].items():
        torch.testing.assert_close(weights[0]["state_dict"][key], value, atol=1e-6, rtol=0)
