"""SDARTS-RS / -ADV: the simplex projection by hand, ε's schedule, the perturbation's bounds, that
only the w-step sees it, that ADV's perturbation raises its batch's loss, and 2-step searches."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from darts_lab.config import ConfigError
from darts_lab.method.sdarts import SdartsAdv, SdartsRs, clip
from darts_lab.search import build, run_search
from tests.conftest import make_cfg

FEW = ["trainer.limit_train_batches=2", "trainer.limit_val_batches=1"]


def test_clip_by_hand() -> None:
    rows = torch.tensor([[0.5, -0.25, 0.75, 0.0], [-0.1, -0.3, -0.2, -0.4], [1.5, 0.5, 0.0, 0.0]])
    expected = torch.tensor(
        [[0.4, 0.0, 0.6, 0.0], [1.0, 0.0, 0.0, 0.0], [2 / 3, 1 / 3, 0.0, 0.0]]
    )  # clamp [0, 1]; an all-zero row → 1 at its largest entry (before clamping); renormalise
    torch.testing.assert_close(clip(rows), expected)


def test_epsilon_is_linear_over_the_epochs() -> None:
    method = SdartsRs()
    seen = []
    for epoch in (0, 25, 49):
        method.set_epoch(epoch, 50)
        seen.append(float(method.epsilon))
    assert seen == pytest.approx([0.03, 0.03 + 0.27 * 25 / 50, 0.03 + 0.27 * 49 / 50])


@pytest.mark.parametrize("method", ["sdarts_rs", "sdarts_adv"])
def test_perturbation_is_bounded_on_the_simplex_and_w_step_only(method: str, tmp_path: Path):
    module, dm, _, _, _ = build(make_cfg("search_space=nb201", f"method={method}"), tmp_path)
    module.method.set_epoch(10, 10)  # ε = 0.3
    dm.setup()
    batch = next(iter(dm.train_dataloader()))
    ctx = module.step_context(torch.optim.SGD(module.net.parameters(), 0.1))
    clean = module.arch.weights()["cell"].detach()
    torch.manual_seed(0)
    perturbed, choices = module.method.w_mixing(ctx, batch)
    cell = perturbed["cell"]
    assert choices is None and not cell.requires_grad
    assert torch.allclose(cell.sum(-1), torch.ones(6)) and (cell >= 0).all()
    assert float((cell - clean).abs().max()) <= 0.3 * 2 + 1e-6  # ε-ball, then renormalised
    assert torch.equal(module.method.mixing(module.arch)[0]["cell"].detach(), clean)  # α-step's
    if method == "sdarts_adv" and not torch.equal(cell, clean):  # not reverted: the loss rose
        task = module.task
        with torch.no_grad():
            before = task.loss(*task(module.net.eval(), batch, {"cell": clean}))
            after = task.loss(*task(module.net, batch, {"cell": cell}))
        assert after >= before


@pytest.mark.parametrize("method", ["sdarts_rs", "sdarts_adv"])
def test_search_runs_and_logs_epsilon(method: str, tmp_path: Path) -> None:
    run_search(make_cfg(f"method={method}", "logger=csv", *FEW), tmp_path)
    assert (tmp_path / "genotype.json").exists()
    header = next(tmp_path.rglob("metrics.csv")).read_text().splitlines()[0]
    assert "sdarts/epsilon" in header


def test_refuses_weights_off_the_simplex(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match="method=sdartsrs works on op weights from logits or simplex"
    ) as err:
        run_search(make_cfg("method=sdarts_rs", "activation=crb"), tmp_path)
    assert "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="method.attack_steps=0 is not allowed"):
        SdartsAdv(attack_steps=0)
