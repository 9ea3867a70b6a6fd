"""Mid-epoch checkpoints that resume batch for batch (data/resumable.py), and the pieces of the
SLURM requeue (lit/preemption.py) that run without a cluster. The requeue itself, end to end
through submitit, is tests/test_requeue.py."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import lightning as L
import pytest
import torch
from hydra import compose, initialize_config_dir
from lightning.pytorch.plugins.environments import SLURMEnvironment

import darts_lab.lit.lifecycle as lifecycle
import darts_lab.train as train
from darts_lab.data.resumable import EpochShuffle, ResumableLoader
from darts_lab.export.artifacts import write_status
from darts_lab.lit.preemption import cluster_plugins, newest_checkpoint, requeued_checkpoint
from darts_lab.search import run_search
from tests.conftest import CONF_DIR, make_cfg
from tests.test_reliability import DARTS_TINY, StopAt, alphas, stopping


def batches(loader: ResumableLoader) -> list[list[int]]:
    return [b.tolist() for b in loader]


@pytest.mark.parametrize("workers", [0, 2])
def test_loader_resumes_at_the_next_batch_of_its_epoch_only(workers: int) -> None:
    data = torch.arange(20)
    make = lambda: ResumableLoader(  # noqa: E731
        data, batch_size=3, sampler=EpochShuffle(20, seed=5), num_workers=workers
    )
    epoch3 = make()
    epoch3.sampler.set_epoch(3)
    full = batches(epoch3)
    assert len(full) == 7 and epoch3.state_dict() == {"epoch": 3, "served": 7}
    resumed = make()
    resumed.load_state_dict({"epoch": 3, "served": 4})  # a checkpoint after 4 of epoch 3's
    resumed.sampler.set_epoch(3)  # Lightning sets the epoch after loading the state
    assert batches(resumed) == full[4:]
    assert resumed.state_dict()["served"] == 7
    assert batches(resumed) == full  # the skip was for that pass only
    closed = make()
    closed.load_state_dict({"epoch": 3, "served": 4})  # epoch 3 closed: resuming at epoch 4
    closed.sampler.set_epoch(4)
    assert len(batches(closed)) == 7


def test_resumed_epoch_leaves_torch_rng_where_the_checkpoint_had_it() -> None:
    """The uninterrupted run drew the iterator's worker seed before the checkpointed state."""
    loader = ResumableLoader(torch.arange(8), batch_size=2, sampler=EpochShuffle(8, seed=0))
    loader.load_state_dict({"epoch": 0, "served": 1})
    torch.manual_seed(11)
    expected = torch.rand(3)
    torch.manual_seed(11)
    iterator = iter(loader)
    next(iterator)
    torch.testing.assert_close(torch.rand(3), expected, atol=0, rtol=0)


def test_search_resumed_mid_epoch_equals_uninterrupted(tmp_path: Path) -> None:
    """GDAS draws Gumbel noise from torch's RNG every step: a batch seen twice, skipped, or a
    shifted RNG stream would all change α."""
    common = [
        "+experiment=gdas",
        "dataset=digits",
        "dataset.batch_size=32",
        "trainer.limit_train_batches=8",
        "trainer.limit_val_batches=1",
        "trainer.max_epochs=2",
    ]
    run_search(make_cfg(*common), tmp_path / "full")
    half = tmp_path / "half"
    with stopping(StopAt(epoch=1, batch=4)), pytest.raises(SystemExit):  # after 5 batches
        run_search(make_cfg(*common, "checkpoint.every_n_train_steps=3"), half)
    state = torch.load(half / "checkpoints" / "steps.ckpt", weights_only=True)
    assert state["loops"]["fit_loop"]["state_dict"]["combined_loader"] == [
        {"epoch": 1, "served": 4}  # batch 12 of 8 + 8: the 4th of epoch 1
    ]
    assert newest_checkpoint(half / "checkpoints") == half / "checkpoints" / "steps.ckpt"
    run_search(make_cfg(*common, f"resume={half}"), tmp_path / "resumed")
    assert alphas(tmp_path / "resumed") == alphas(tmp_path / "full")


def train_cfg(genotype: Path, *overrides: str):
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return compose(
            "train",
            overrides=[
                f"genotype={genotype}",
                "trainer.max_epochs=2",
                "trainer.limit_train_batches=6",
                "model.layers=2",
                "model.init_channels=4",
                "optimizer.drop_path_prob=0.5",  # torch's RNG in every step
                "logger=none",
                "trainer.enable_progress_bar=false",
                *overrides,
            ],
        )


def test_retraining_resumed_mid_epoch_equals_uninterrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    genotype = tmp_path / "genotype.json"
    run_search(make_cfg(*DARTS_TINY, "trainer.limit_train_batches=2"), tmp_path / "search")
    genotype.write_text((tmp_path / "search" / "genotype.json").read_text())
    train.run_train(train_cfg(genotype), tmp_path / "full")

    original = lifecycle.instantiate  # the trainer's (lit/lifecycle.py)

    def with_stop(config, *args, **kwargs):  # Ctrl-C after the 3rd batch of epoch 1
        if "callbacks" in kwargs:
            kwargs["callbacks"] = [*kwargs["callbacks"], StopAt(epoch=1, batch=2)]
        return original(config, *args, **kwargs)

    monkeypatch.setattr(lifecycle, "instantiate", with_stop)
    with pytest.raises(SystemExit):
        train.run_train(train_cfg(genotype, "checkpoint.every_n_train_steps=3"), tmp_path / "half")
    monkeypatch.setattr(lifecycle, "instantiate", original)
    result = train.run_train(train_cfg(genotype, f"resume={tmp_path / 'half'}"), tmp_path / "res")
    full = json.loads((tmp_path / "full" / "result.json").read_text())
    assert result["test_acc"] == full["test_acc"]
    weights = [
        torch.load(d / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
        for d in (tmp_path / "full", tmp_path / "res")
    ]
    for key, value in weights[0].items():
        torch.testing.assert_close(weights[1][key], value, atol=0, rtol=0)


def test_newest_checkpoint_and_the_requeued_one(tmp_path: Path) -> None:
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    assert newest_checkpoint(folder) is None
    for i, name in enumerate(("on_exception.ckpt", "steps.ckpt", "last.ckpt", "requeue.ckpt")):
        (folder / name).write_bytes(b"x")
        os.utime(folder / name, ns=(time.time_ns(), 10**18 + i))
    assert newest_checkpoint(folder) == folder / "requeue.ckpt"
    os.utime(folder / "steps.ckpt", ns=(time.time_ns(), 2 * 10**18))
    assert newest_checkpoint(folder) == folder / "steps.ckpt"
    # requeue.ckpt is resumed by itself only in a run dir whose status says `requeued`
    assert requeued_checkpoint(tmp_path) is None  # no status yet
    write_status(tmp_path, "running")
    assert requeued_checkpoint(tmp_path) is None
    write_status(tmp_path, "requeued", "pre-empted")
    assert requeued_checkpoint(tmp_path) == str(folder / "requeue.ckpt")


def test_lightning_does_not_requeue_on_slurm_submitit_does(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SLURM_NTASKS", raising=False)
    assert cluster_plugins() == []
    monkeypatch.setenv("SLURM_NTASKS", "1")
    monkeypatch.setenv("SLURM_JOB_NAME", "darts_lab")
    (plugin,) = cluster_plugins()
    assert isinstance(plugin, SLURMEnvironment) and plugin.auto_requeue is False
    trainer = L.Trainer(plugins=[plugin], logger=False, enable_progress_bar=False)
    assert trainer._accelerator_connector.cluster_environment is plugin  # its USR1 handler: off


def test_every_n_train_steps_must_be_positive() -> None:
    from darts_lab.config import ConfigError, validate

    with pytest.raises(ConfigError, match="checkpoint.every_n_train_steps"):
        validate(make_cfg("checkpoint.every_n_train_steps=0"))
