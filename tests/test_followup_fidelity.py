"""Issue #34: each follow-up row behaves as its authors' released code (the values each row sets:
test_paper_values.py), pinned by hand."""

from pathlib import Path

import pytest
import torch
from torch import nn

from darts_lab.arch_gradient.second_order import Unrolled
from darts_lab.config import ConfigError
from darts_lab.data.cutout import Cutout
from darts_lab.method.darts_minus import DartsMinus
from darts_lab.method.drnas import Drnas
from darts_lab.method.drop_path import ScheduledDropPath
from darts_lab.search import build, run_search
from darts_lab.search_space.darts_cnn import MixedOp
from darts_lab.search_space.nb201 import Nb201Network
from tests.conftest import make_cfg


def test_drnas_searches_seven_ops_without_pool_batchnorm() -> None:
    cfg = make_cfg("+experiment=drnas")
    assert "none" not in cfg.search_space.ops and len(cfg.search_space.ops) == 7
    op = MixedOp(4, 1, cfg.search_space.ops, pool_batchnorm=cfg.search_space.pool_batchnorm)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in op.ops["max_pool_3x3"].modules())
    darts = MixedOp(4, 1, ["max_pool_3x3"])  # DARTS's search adds a non-affine one
    assert any(isinstance(m, nn.BatchNorm2d) for m in darts.ops["max_pool_3x3"].modules())
    # the embedded overlay's NB201 cell has no pool BN either; asking for one is refused
    assert make_cfg("+experiment=drnas", "+overlay=embedded").search_space.pool_batchnorm is False
    with pytest.raises(ConfigError, match="pool_batchnorm=true: NAS-Bench-201"):
        Nb201Network(1, 10, pool_batchnorm=True)


def test_drnas_freezes_alpha_in_the_first_10_epochs_of_each_stage() -> None:
    """Two stages of 25 epochs: α frozen in epochs 0-9 and 25-34, moving in 30 of 50."""
    frozen = [e for e in range(50) if Drnas().arch_frozen(e, 50, 10)]
    assert frozen == [*range(0, 10), *range(25, 35)]
    assert [e for e in range(50) if Drnas(stages=1).arch_frozen(e, 50, 10)] == list(range(10))


def test_darts_minus_beta_decays_over_50_epochs_whatever_the_run() -> None:
    method = DartsMinus()
    method.set_epoch(29, 30)  # the last epoch of a 30-epoch run: 1 − 29/50
    assert float(method.beta) == pytest.approx(0.42)
    tied = DartsMinus(decay_epochs=None)
    tied.set_epoch(29, 30)
    assert float(tied.beta) == pytest.approx(1 / 30)


def test_rdarts_dp_is_second_order_and_cuts_every_search_batch(tmp_path: Path) -> None:
    cfg = make_cfg("+experiment=rdarts_dp", "+overlay=embedded", "dataset.image_size=8")
    module, data, _, _, _ = build(cfg, tmp_path / "build")
    assert isinstance(module.method, ScheduledDropPath) and module.method.drop_prob == 0.6
    assert isinstance(module.arch_gradient, Unrolled) and module.arch_step_first
    data.setup()
    for loader in (data.train_dataloader(), data.arch_dataloader()):
        cut = loader.dataset.dataset
        assert isinstance(cut, Cutout) and cut.length == 4  # 0.5 × 8 px (16 of CIFAR's 32)
    # the hole by hand: Cutout draws (row, column) centres from torch's RNG, a 4×4 square
    image, _ = data.train_aug[0]
    torch.manual_seed(3)
    got, _ = Cutout(data.train_aug, 4)[0]
    torch.manual_seed(3)
    cy, cx = int(torch.randint(8, (1,))), int(torch.randint(8, (1,)))
    expected = image.clone()
    expected[..., max(0, cy - 2) : cy + 2, max(0, cx - 2) : cx + 2] = 0
    torch.testing.assert_close(got, expected)
    # the whole row runs: second-order α-steps with fresh drop-path masks on cut batches
    run_search(
        make_cfg(
            "+experiment=rdarts_dp",
            "+overlay=embedded",
            "trainer.max_epochs=2",
            "trainer.limit_train_batches=2",
        ),
        tmp_path / "run",
    )
    assert (tmp_path / "run" / "status").read_text().startswith("finished")


def test_the_global_batch_must_divide_among_the_devices(tmp_path: Path) -> None:
    _, data, _, _, _ = build(make_cfg(), tmp_path)
    assert data.device_batch(1) == 32 and data.device_batch(2) == 16
    with pytest.raises(ConfigError, match="batch_size=32 is the global batch and does not divide"):
        data.device_batch(3)
