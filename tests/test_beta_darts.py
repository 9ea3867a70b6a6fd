"""β-DARTS's Beta-Decay regularizer: λ's schedule, and the α-gradient it gives = DARTS's +
λ·∂β/∂α with ∂β/∂α_ej = softmax(α_e)_j / E (E rows over both cell types), by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from darts_lab.arch_gradient.base import StepContext
from darts_lab.arch_gradient.first_order import FirstOrder
from darts_lab.config import ConfigError
from darts_lab.method.darts import Darts
from darts_lab.regularizer.beta_decay import BetaDecay
from darts_lab.search import build, run_search
from tests.conftest import make_cfg


def test_lambda_over_the_runs_epochs_or_the_literal_100() -> None:
    """Issue #34: by default λ = 50·e/E climbs over the run as in their runnable 100-epoch
    script (49 at the last of 50 epochs); lam_epochs=100 is the literal 50·e/100 (24.5)."""
    run, literal = BetaDecay(), BetaDecay(lam_epochs=100)
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

    def grads(penalty: torch.Tensor) -> list[torch.Tensor]:
        for alpha in alphas:
            alpha.grad = None
        backward = lambda loss: loss.backward(inputs=alphas)  # noqa: E731
        ctx = StepContext(module.net, module.task, arch, None, backward, None, FirstOrder())
        torch.manual_seed(0)
        Darts().arch_gradient(ctx, batch, batch, penalty)
        return [a.grad.clone() for a in alphas]

    beta = BetaDecay(lam_epochs=100)
    beta.set_epoch(10, 50)  # λ = 5
    rows = sum(arch.alphas[k].shape[0] for k in arch.op_keys)
    for key, got, plain, alpha in zip(
        arch.alphas, grads(beta.penalty(arch, 0.0)), grads(torch.zeros(())), alphas, strict=True
    ):
        expected = plain + 5.0 * torch.softmax(alpha.detach(), -1) / rows
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6, msg=key)


def test_search_runs_and_refuses_other_domains(tmp_path: Path) -> None:
    run_search(make_cfg("regularizer=beta_decay", "trainer.limit_train_batches=2",
                        "trainer.limit_val_batches=1"), tmp_path / "run")  # fmt: skip
    assert (tmp_path / "run" / "genotype.json").exists()
    with pytest.raises(ConfigError, match="regularizer=betadecay works on op weights from logits"):
        run_search(
            make_cfg("regularizer=beta_decay", "activation=simplex", "arch_optimizer=eg"), tmp_path
        )
