"""PC-DARTS's ImageNet-search recipe pieces (lit/gradients.py): the w learning-rate warm-up and
the α-gradient clip, against hand computations (the rows that set them: test_paper_values.py)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from darts_lab.lit.gradients import GradientScale
from darts_lab.lit.settings import ArchPacing
from darts_lab.search import build, run_search
from darts_lab.w_optimizer.sgd import SgdCosine
from tests.conftest import make_cfg


class Stub(GradientScale):
    def __init__(self, arch_grad_clip: float | None = None, warmup_epochs: int = 0) -> None:
        self.pacing = ArchPacing(grad_clip=arch_grad_clip)
        self.w_optimizer = SgdCosine(warmup_epochs=warmup_epochs)
        self.trainer = SimpleNamespace(precision_plugin=object())  # fp32: no loss scaler
        self.arch = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(2))])
        self.arch[0].grad = torch.tensor([6.0, 8.0])  # norm 10
        self.current_epoch = 0


@pytest.mark.parametrize("clip,expected", [(5.0, [3.0, 4.0]), (20.0, [6.0, 8.0]), (None, [6, 8])])
def test_arch_gradient_clip(clip: float | None, expected: list[float]) -> None:
    stub = Stub(arch_grad_clip=clip)
    stub.clip_arch_gradient(torch.tensor(10.0))
    torch.testing.assert_close(stub.arch[0].grad, torch.tensor(expected, dtype=torch.float32))


def test_warmup_scale_by_epoch() -> None:
    stub = Stub(warmup_epochs=5)
    scales = []
    for epoch in range(7):
        stub.current_epoch = epoch
        scales.append(stub.warmup_scale())
    assert scales == [0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 1.0]
    assert Stub(warmup_epochs=0).warmup_scale() == 1.0


def test_first_w_step_is_scaled_by_the_warmup(tmp_path: Path) -> None:
    """Plain SGD (no momentum, no decay): the first w-step moves w by lr · s · g, so with
    warmup_epochs=4 it moves w by exactly a quarter of the plain step from the same start."""
    common = [
        "w_optimizer.momentum=0",
        "w_optimizer.weight_decay=0",
        "trainer.limit_train_batches=1",
        "trainer.limit_val_batches=0",
        "trainer.precision=64-true",
    ]
    start = build(make_cfg(*common), tmp_path / "start").module.state_dict()
    moved = {}
    for warmup in (0, 4):
        cfg = make_cfg(*common, f"w_optimizer.warmup_epochs={warmup}")
        run_search(cfg, tmp_path / str(warmup))
        ckpt = torch.load(tmp_path / str(warmup) / "checkpoints" / "last.ckpt", weights_only=False)
        moved[warmup] = ckpt["state_dict"]
    conv = "net.cells.0.edges.0.ops.sep_conv_3x3.0.1.weight"
    plain = moved[0][conv].double() - start[conv].double()
    warm = moved[4][conv].double() - start[conv].double()
    assert plain.abs().max() > 0
    torch.testing.assert_close(warm, plain / 4, rtol=1e-9, atol=1e-12)
