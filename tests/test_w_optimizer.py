"""The supernet's weight optimizer: cosine per epoch or per w-step, its horizon, Nesterov."""

import math
from pathlib import Path

import pytest

from darts_lab.config import ConfigError
from darts_lab.search import build
from tests.conftest import make_cfg


def record_lrs(tmp_path: Path, *overrides: str) -> list[float]:
    """The w learning rate of every w-step (and, after it, whether SGD was Nesterov's)."""
    lrs = []
    module, dm, trainer, _, _ = build(
        make_cfg(
            *overrides,
            "w_optimizer.lr=0.025",
            "w_optimizer.lr_min=0.001",
            "trainer.limit_train_batches=3",
            "trainer.limit_val_batches=0",
        ),
        tmp_path,
    )
    step = module.weight_step

    def recording(opt, batch):  # noqa: ANN001, ANN202
        lrs.append(opt.param_groups[0]["lr"])
        return step(opt, batch)

    module.weight_step = recording
    trainer.fit(module, datamodule=dm)
    return lrs + [module.optimizers()[0].param_groups[0]["nesterov"]]


def cosine(t: float, horizon: float) -> float:
    return 0.001 + 0.024 * (1 + math.cos(math.pi * t / horizon)) / 2


def test_per_step_cosine_and_nesterov(tmp_path: Path) -> None:
    """w_optimizer.lr_interval=step: the cosine moves after every w-step over epochs × batches;
    the LR of each step by hand."""
    lrs = record_lrs(
        tmp_path,
        "w_optimizer.lr_interval=step",
        "w_optimizer.nesterov=true",
        "trainer.max_epochs=2",
    )
    assert lrs[:-1] == pytest.approx([cosine(t, 6) for t in range(6)], rel=1e-9)
    assert lrs[-1] is True  # Nesterov


def test_lr_horizon_longer_than_the_run(tmp_path: Path) -> None:
    """gaea_release: a cosine over 50 epochs in a 25-epoch run; here 4 epochs in a run of 2."""
    lrs = record_lrs(tmp_path, "w_optimizer.lr_horizon=4", "trainer.max_epochs=2")
    assert lrs[:-1] == pytest.approx([cosine(e, 4) for e in (0, 0, 0, 1, 1, 1)], rel=1e-9)
    assert lrs[-1] is False


def test_lr_horizon_shorter_than_the_run_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="w_optimizer.lr_horizon=1 is shorter than the run"):
        record_lrs(tmp_path, "w_optimizer.lr_horizon=1", "trainer.max_epochs=2")
