"""GAEA's exponentiated-gradient step against a hand computation, and its numerical guard."""

import json
import math
from pathlib import Path

import pytest
import torch

from darts_lab.arch.activation import Simplex
from darts_lab.arch_optimizer.eg import ExponentiatedGradient
from darts_lab.search import run_search
from tests.conftest import make_cfg


def test_one_eg_step_on_a_three_op_edge_by_hand() -> None:
    theta = torch.nn.Parameter(torch.tensor([[0.2, 0.3, 0.5]], dtype=torch.float64))
    theta.grad = torch.tensor([[1.0, -2.0, 0.5]], dtype=torch.float64)
    ExponentiatedGradient([theta], lr=0.1).step()
    products = [0.2 * math.exp(-0.1 * 1.0), 0.3 * math.exp(-0.1 * -2.0), 0.5 * math.exp(-0.1 * 0.5)]
    by_hand = [p / sum(products) for p in products]  # ≈ [0.176898, 0.358181, 0.464921]
    assert theta.detach()[0].tolist() == pytest.approx(by_hand, rel=1e-12)
    assert by_hand == pytest.approx([0.176898, 0.358181, 0.464921], abs=1e-6)


def test_a_tiny_weight_is_clamped_to_1e_5_then_renormalised_by_hand() -> None:
    """gaea_release (architect_edarts.py): θ ⊙ exp(−ηg), floor 1e-5, normalise."""
    theta = torch.nn.Parameter(torch.tensor([[1e-6, 0.4, 0.6 - 1e-6]], dtype=torch.float64))
    theta.grad = torch.tensor([[3.0, 0.0, 1.0]], dtype=torch.float64)
    ExponentiatedGradient([theta], lr=0.1).step()
    product = [1e-6 * math.exp(-0.3), 0.4, (0.6 - 1e-6) * math.exp(-0.1)]
    floored = [max(p, 1e-5) for p in product]  # the first op is lifted to the floor
    by_hand = [p / sum(floored) for p in floored]
    assert theta.detach()[0].tolist() == pytest.approx(by_hand, rel=1e-12)
    assert float(theta[0, 0]) == pytest.approx(1e-5 / sum(floored), rel=1e-12)


def test_gdas_order_normalises_then_clamps_without_renormalising() -> None:
    """gaea_release (architect_egdas.py): normalise, then floor; rows may exceed 1 slightly."""
    theta = torch.nn.Parameter(torch.tensor([[1e-6, 0.4, 0.6 - 1e-6]], dtype=torch.float64))
    theta.grad = torch.tensor([[3.0, 0.0, 1.0]], dtype=torch.float64)
    ExponentiatedGradient([theta], lr=0.1, order="normalize_then_clamp").step()
    product = [1e-6 * math.exp(-0.3), 0.4, (0.6 - 1e-6) * math.exp(-0.1)]
    by_hand = [max(p / sum(product), 1e-5) for p in product]
    assert theta.detach()[0].tolist() == pytest.approx(by_hand, rel=1e-12)
    assert float(theta.sum()) > 1.0


@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_stays_on_the_simplex_under_large_gradients(scale: float) -> None:
    torch.manual_seed(0)
    theta = torch.nn.Parameter(torch.full((14, 8), 1 / 8))
    opt = ExponentiatedGradient([theta], lr=0.1)
    for _ in range(1000):
        theta.grad = torch.randn(14, 8) * scale
        opt.step()
    assert torch.isfinite(theta).all() and (theta >= 0).all()
    torch.testing.assert_close(theta.sum(-1), torch.ones(14))
    if scale == 1.0:  # ηg of order 0.1: the floor holds up to the normalisation
        assert float(theta.min()) > 0.9e-5


def test_simplex_starts_uniform_and_is_the_identity() -> None:
    alpha = torch.empty(3, 5)
    Simplex().init_(alpha, 1e-3)
    assert torch.equal(alpha, torch.full((3, 5), 0.2)) and Simplex()(alpha) is alpha


@pytest.mark.parametrize(
    "overrides",
    [
        ["activation=simplex", "arch_optimizer=eg"],
        [
            "activation=simplex",
            "arch_optimizer=eg",
            "regularizer=proximity",
            "schedule=fimt",
            "schedule.h0=1e6",
            "schedule.r=2",
        ],
        ["arch_optimizer=sgd"],
    ],
)
def test_eg_searches_compose(overrides: list[str], tmp_path: Path) -> None:
    run_search(
        make_cfg(*overrides, "trainer.limit_train_batches=3", "trainer.limit_val_batches=1"),
        tmp_path,
    )
    weights = json.loads((tmp_path / "alphas.json").read_text())["weights"]
    for w in weights.values():
        torch.testing.assert_close(torch.tensor(w).sum(-1), torch.ones(len(w)))  # every edge
    if "arch_optimizer=eg" in overrides:
        assert any(abs(v - 1 / 8) > 1e-6 for row in weights["normal"] for v in row)
