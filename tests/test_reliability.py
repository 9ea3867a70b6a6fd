"""Resume equivalence, determinism, the NaN guard and interrupted runs."""

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import lightning as L
import pytest
import torch

import darts_lab.search as search
from darts_lab.export.artifacts import read_genotype, read_status
from darts_lab.lit.reliability import NonFiniteError
from darts_lab.search import run_search
from tests.conftest import make_cfg

FAST = ["trainer.limit_train_batches=4", "trainer.limit_val_batches=1", "seed=7"]


def alphas(run_dir: Path) -> dict:
    return json.loads((run_dir / "alphas.json").read_text())["weights"]


DARTS_TINY = ["dataset=digits", "search_space.layers=3", "search_space.init_channels=4"]


@pytest.mark.parametrize(
    "experiment,space",
    [
        ("darts", DARTS_TINY),
        ("darts_prime", DARTS_TINY),
        ("admm_fimt_crb", DARTS_TINY),
        ("darts_2nd", DARTS_TINY),  # the α-step before the w-step, unrolling it
        # ERM's α batches come from a stream of their own, which must resume where it stopped
        (
            "gaea_darts_erm",
            ["dataset=digits", "search_space.cells_per_stage=1", "search_space.init_channels=4"],
        ),
        # hidden states carried between windows, the α stream over the validation text
        ("darts_prime_ptb", ["dataset=tiny_corpus", "search_space.nhid=8", "search_space.steps=2"]),
    ],
)
def test_resume_equals_uninterrupted(experiment: str, space: list[str], tmp_path: Path) -> None:
    common = [
        f"+experiment={experiment}",
        *space,
        "dataset.batch_size=32",
        *FAST,
    ]
    if experiment in ("darts_prime", "admm_fimt_crb", "darts_prime_ptb"):  # FIMT: α-steps soon
        common += ["schedule.r=2", "schedule.h0=1e6"]
    full, half, resumed = tmp_path / "full", tmp_path / "half", tmp_path / "resumed"
    cfg = make_cfg(*common, "trainer.max_epochs=2")
    run_search(cfg, full)
    with stopping(StopAt(epoch=1, batch=None)), pytest.raises(SystemExit):
        run_search(cfg, half)  # pre-empted as epoch 1 starts: last.ckpt holds epoch 0
    run_search(make_cfg(*common, "trainer.max_epochs=2", f"resume={half}"), resumed)
    for cell, w in alphas(full).items():
        torch.testing.assert_close(
            torch.tensor(alphas(resumed)[cell]), torch.tensor(w), atol=1e-6, rtol=0
        )
    assert read_genotype(full / "genotype.json") == read_genotype(resumed / "genotype.json")
    ckpt = torch.load(full / "checkpoints" / "last.ckpt", weights_only=False)
    assert int(ckpt["state_dict"]["a_steps"]) > 0


def test_same_seed_same_alphas(tmp_path: Path) -> None:
    for run in ("a", "b"):
        run_search(make_cfg(*FAST), tmp_path / run)
    assert (tmp_path / "a" / "alphas.json").read_text() == (
        tmp_path / "b" / "alphas.json"
    ).read_text()


def test_nan_guard_stops_with_checkpoint_and_no_genotype(tmp_path: Path) -> None:
    with pytest.raises(
        NonFiniteError, match=r"non-finite (w|α)-gradient norm .* at epoch 0, after \d+ w-steps"
    ):
        run_search(make_cfg("w_optimizer.lr=1e30", "w_optimizer.grad_clip=1e38", *FAST), tmp_path)
    assert read_status(tmp_path) == "failed"
    assert not (tmp_path / "genotype.json").exists()
    state = torch.load(tmp_path / "checkpoints" / "on_exception.ckpt", weights_only=False)
    # parameters (w, α) are from before the step that failed; BatchNorm running statistics of
    # the failing forward pass may not be, and are left out of the check
    params = {
        k: v
        for k, v in state["state_dict"].items()
        if isinstance(v, torch.Tensor) and "running_" not in k
    }
    assert any(k.startswith("arch.alphas") for k in params) and len(params) > 10
    assert all(torch.isfinite(v).all() for v in params.values() if v.is_floating_point())


class StopAt(L.Callback):
    """Ctrl-C at the start of `epoch`, or after its `batch`-th batch."""

    def __init__(self, epoch: int, batch: int | None) -> None:
        self.epoch, self.batch = epoch, batch

    def on_train_epoch_start(self, trainer, module) -> None:
        if trainer.current_epoch == self.epoch and self.batch is None:
            raise KeyboardInterrupt

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        if trainer.current_epoch == self.epoch and batch_idx == self.batch:
            raise KeyboardInterrupt


@contextmanager
def stopping(callback: L.Callback):
    """Add `callback` to the trainer that darts_lab.search builds."""
    original = search.build

    def build(cfg, run_dir):
        built = original(cfg, run_dir)
        built.trainer.callbacks.append(callback)
        return built

    search.build = build
    try:
        yield
    finally:
        search.build = original


def test_interrupted_run_is_marked_and_resumable(tmp_path: Path) -> None:
    cfg = make_cfg("trainer.max_epochs=2", *FAST)
    with stopping(StopAt(epoch=1, batch=2)), pytest.raises(SystemExit):
        run_search(cfg, tmp_path / "run")
    assert read_status(tmp_path / "run") == "interrupted"
    assert not (tmp_path / "run" / "genotype.json").exists()
    ckpt = tmp_path / "run" / "checkpoints" / "on_exception.ckpt"
    assert ckpt.exists()
    run_search(make_cfg("trainer.max_epochs=2", *FAST, f"resume={ckpt}"), tmp_path / "again")
    assert read_status(tmp_path / "again") == "finished"


def test_resume_from_missing_checkpoint_is_clear(tmp_path: Path) -> None:
    from darts_lab.config import ConfigError

    with pytest.raises(ConfigError, match=r"resume=.*no checkpoint at .*last.ckpt"):
        run_search(make_cfg(f"resume={tmp_path}"), tmp_path / "run")


def test_sigterm_leaves_interrupted_status_and_checkpoint(tmp_path: Path) -> None:
    """Cluster pre-emption: SIGTERM mid-search → status `interrupted` + on_exception.ckpt."""
    run_dir = tmp_path / "run"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "darts_lab.search",
            "logger=none",
            "search_space.layers=3",
            "search_space.init_channels=4",
            "search_space.steps=3",  # 3 nodes: the tiny cell (search_space/darts_cnn.py)
            "search_space.multiplier=3",
            "trainer.max_epochs=50",
            "trainer.limit_train_batches=4",
            "trainer.enable_progress_bar=false",
            f"hydra.run.dir={run_dir}",
        ],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "OMP_NUM_THREADS": "1"},  # beside the other xdist worker
    )
    try:
        deadline = time.time() + 120
        while not (run_dir / "checkpoints" / "last.ckpt").exists():  # an epoch is done
            assert time.time() < deadline and proc.poll() is None
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) != 0
    finally:
        proc.kill()
    assert read_status(run_dir) == "interrupted"
    assert (run_dir / "checkpoints" / "on_exception.ckpt").exists()
    assert not (run_dir / "genotype.json").exists()
