"""β-DARTS: λ's schedule, and its α-gradient = DARTS's + λ·∂β/∂α with ∂β/∂α_ej = softmax(α_e)_j / E
(E rows over both cell types), by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from darts_lab.config import ConfigError
from darts_lab.method.base import StepContext
from darts_lab.method.beta_darts import BetaDarts
from darts_lab.method.darts import Darts
from darts_lab.search import build, run_search
from tests.conftest import make_cfg


def test_lambda_over_the_runs_epochs_or_the_literal_100() -> None:
    """Issue #34: by default λ = 50·e/E climbs over the run as in their runnable 100-epoch
    script (49 at the last of 50 epochs); lam_epochs=100 is the literal 50·e/100 (24.5)."""
    run, literal = BetaDarts(), BetaDarts(lam_epochs=100)
    for epoch, lam, lam_literal in ((0, 0.0, 0.0), (10, 10.0, 5.0), (49, 49.0, 24.5)):
        run.set_epoch(epoch, 50)
        literal.set_epoch(epoch, 50)
        assert float(run.lam) == pytest.approx(lam)
        assert float(literal.lam) == pytest.approx(lam_literal)
    run.set_epoch(29, 30)  # the 30-epoch overlay: 50·29/30
    assert float(run.lam) == pytest.approx(48.333333)


def test_alpha_gradient_adds_lambda_times_softmax_over_rows(tmp_path: Path) -> None:
    module, dm, _, _, _ = build(make_cfg(), tmp_path)
    dm.setup()
    batch = next(iter(dm.train_dataloader()))
    arch, alphas = module.arch, list(module.arch.parameters())
    with torch.no_grad():
        for alpha in alphas:
            alpha.normal_(0, 1)

    def grads(method) -> list[torch.Tensor]:  # noqa: ANN001
        for alpha in alphas:
            alpha.grad = None
        ctx = StepContext(
            module.net, module.task, arch, None, lambda loss: loss.backward(inputs=alphas), None
        )
        torch.manual_seed(0)
        method.arch_gradient(ctx, batch, batch, torch.zeros(()))
        return [a.grad.clone() for a in alphas]

    beta = BetaDarts(lam_epochs=100)
    beta.set_epoch(10, 50)  # λ = 5
    rows = sum(arch.alphas[k].shape[0] for k in arch.op_keys)
    for key, got, plain, alpha in zip(
        arch.alphas, grads(beta), grads(Darts()), alphas, strict=True
    ):
        expected = plain + 5.0 * torch.softmax(alpha.detach(), -1) / rows
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6, msg=key)


def test_search_runs_and_refuses_other_domains(tmp_path: Path) -> None:
    run_search(make_cfg("method=beta_darts", "trainer.limit_train_batches=2",
                        "trainer.limit_val_batches=1"), tmp_path / "run")  # fmt: skip
    assert (tmp_path / "run" / "genotype.json").exists()
    with pytest.raises(ConfigError, match="method=betadarts works on op weights from logits"):
        run_search(
            make_cfg("method=beta_darts", "activation=simplex", "arch_optimizer=eg"), tmp_path
        )
