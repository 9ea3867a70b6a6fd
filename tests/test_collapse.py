"""Collapse diagnostics and remedies against hand computations: the α-Hessian (finite
differences, torch.autograd.functional.hessian), power iteration (eigvalsh), DARTS-ES's rule on a
crafted eigenvalue series and its roll-back in a search, resume with DARTS-ES mid-run; DrNAS's
Dirichlet, DARTS-'s auxiliary skip, FairDARTS's zero-one loss, ScheduledDropPath's masks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from darts_lab.callbacks.darts_es import DartsEs, LocalAverage
from darts_lab.callbacks.hessian import hessian_matrix, hessian_vector_product, power_iteration
from darts_lab.config import ConfigError
from darts_lab.method.darts_minus import DartsMinus
from darts_lab.method.drnas import Drnas
from darts_lab.method.drop_path import drop_edges
from darts_lab.regularizer.zero_one import ZeroOne
from darts_lab.search import build, run_search
from tests.conftest import make_cfg
from tests.test_reliability import StopAt, alphas, stopping

EMBEDDED_FAST = [
    "+overlay=embedded",
    "trainer.limit_train_batches=4",
    "trainer.limit_val_batches=1",
    "logger=none",
]


def toy_loss(leaves: list[torch.Tensor]) -> torch.Tensor:
    """A 2-edge, 3-op toy: softmax mixing of fixed op outputs, a squared error, weight decay."""
    outputs = torch.tensor([[1.0, -2.0, 0.5], [0.3, 0.7, -1.0]], dtype=torch.float64)
    (alpha,) = leaves
    mixed = (torch.softmax(alpha, -1) * outputs).sum(-1)
    return (mixed.prod() - 0.4) ** 2 + 1e-3 / 2 * alpha.square().sum()


def test_hessian_against_autograd_and_finite_differences() -> None:
    alpha = torch.tensor([[0.1, -0.3, 0.2], [0.5, 0.0, -0.4]], dtype=torch.float64)
    h = hessian_matrix(toy_loss, [alpha])
    reference = torch.autograd.functional.hessian(lambda a: toy_loss([a]), alpha).reshape(6, 6)
    torch.testing.assert_close(h, reference, rtol=1e-10, atol=1e-12)
    eps, flat = 1e-5, alpha.flatten()

    def grad(x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(2, 3).clone().requires_grad_()
        return torch.autograd.grad(toy_loss([x]), x)[0].flatten()

    columns = [
        (
            grad(flat + eps * torch.eye(6, dtype=flat.dtype)[i])
            - grad(flat - eps * torch.eye(6, dtype=flat.dtype)[i])
        )
        / (2 * eps)
        for i in range(6)
    ]
    torch.testing.assert_close(h, torch.stack(columns, 1), rtol=1e-6, atol=1e-8)
    # the Hessian-vector product agrees with the matrix
    v = torch.linspace(-1, 1, 6, dtype=torch.float64)
    torch.testing.assert_close(hessian_vector_product(toy_loss, [alpha])(v), h @ v)


def test_power_iteration_against_eigvalsh() -> None:
    g = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(30, 30, generator=g, dtype=torch.float64))
    spectrum = torch.linspace(-1.0, 5.0, 30, dtype=torch.float64)
    m = q @ torch.diag(spectrum) @ q.T
    value, products = power_iteration(lambda v: m @ v, 30, m, tol=1e-10, max_iter=2000)
    assert value == pytest.approx(float(torch.linalg.eigvalsh(m).max()), rel=1e-6)
    assert products < 2000


def test_power_mode_returns_the_signed_maximum() -> None:
    """A Hessian whose largest-magnitude eigenvalue is negative (−5): power mode shifts and
    returns the signed maximum (1), as the exact mode's eigvalsh().max()."""
    from darts_lab.callbacks.hessian import dominant_eigenvalue

    g = torch.Generator().manual_seed(1)
    q, _ = torch.linalg.qr(torch.randn(12, 12, generator=g, dtype=torch.float64))
    m = q @ torch.diag(torch.linspace(-5.0, 1.0, 12, dtype=torch.float64)) @ q.T

    def quadratic(leaves: list[torch.Tensor]) -> torch.Tensor:
        (x,) = leaves
        return 0.5 * x @ m @ x

    x0 = torch.zeros(12, dtype=torch.float64)
    assert dominant_eigenvalue(quadratic, [x0], mode="exact") == pytest.approx(1.0)
    assert dominant_eigenvalue(quadratic, [x0], mode="power", tol=1e-12) == pytest.approx(
        1.0, rel=1e-6
    )


def test_power_iteration_agrees_with_the_exact_hessian_of_a_search(tmp_path: Path) -> None:
    module, datamodule, trainer, callbacks, _ = build(
        make_cfg(*EMBEDDED_FAST, "callbacks=hessian", "trainer.max_epochs=1"), tmp_path
    )
    trainer.fit(module, datamodule=datamodule)
    (hessian,) = callbacks[:1]
    exact = hessian.eigenvalue(module, module.last_arch_batch)
    assert exact == pytest.approx(hessian.values[-1], rel=1e-12)  # the callback's own, again
    hessian.mode, hessian.tol = "power", 1e-9
    assert hessian.eigenvalue(module, module.last_arch_batch) == pytest.approx(exact, rel=1e-5)


def test_darts_es_rule_on_a_crafted_series() -> None:
    """Every 2 epochs; flat 1.0 through epoch 24, 10.0 at epoch 26. By hand: averages start
    with the third value (credited 4 epochs back); at epoch 26 the newest average is
    (4·1 + 10)/5 = 2.8, the one 4 entries earlier (epoch 14) is 1.0: 2.8 > 1.3 → epoch 14."""
    rule = LocalAverage(window=5, delta=4, factor=1.3, start_epoch=10)
    fired = [rule.update(epoch, 1.0, every=2) for epoch in range(0, 26, 2)]
    assert fired == [None] * 13
    assert rule.update(26, 10.0, every=2) == 14
    assert rule.averages[-1] == pytest.approx(2.8) and rule.average_epochs[-1] == 22
    # the same jump earlier, where the compared entry is before start_epoch, does not fire
    early = LocalAverage()
    assert [early.update(e, 1.0 if e < 20 else 10.0, 2) for e in range(0, 22, 2)] == [None] * 11
    # while fewer than `window` values exist the average is over all of them
    partial = LocalAverage()
    for epoch, value in ((0, 1.0), (2, 2.0), (4, 6.0)):
        partial.update(epoch, value, 2)
    assert partial.averages == [3.0] and partial.average_epochs == [0]


def test_darts_es_rolls_the_search_back(tmp_path: Path) -> None:
    """A rule that fires at the first chance (window 1, delta 1, any rise): the search stops
    after epoch 1 and keeps epoch 0's α, and says so."""
    cfg = make_cfg(
        *EMBEDDED_FAST,
        "callbacks=darts_es",
        "callbacks.darts_es.every_n_epochs=1",
        "callbacks.darts_es.window=1",
        "callbacks.darts_es.delta=1",
        "callbacks.darts_es.start_epoch=0",
        "callbacks.darts_es.factor=1e-9",
        "trainer.max_epochs=4",
    )
    module, datamodule, trainer, callbacks, _ = build(cfg, tmp_path)
    (es,) = [p for p in callbacks if isinstance(p, DartsEs)]
    trainer.fit(module, datamodule=datamodule)
    assert trainer.current_epoch == 2 and es.stopped["selected_epoch"] == 0  # after epoch 1
    for key, value in module.arch.state_dict().items():  # α and the pruning masks
        torch.testing.assert_close(value, es.snapshots[0][key])
    assert es.report(None)["selected_epoch"] == 0 and len(es.values) == 2


def test_darts_es_run_files_and_resume(tmp_path: Path) -> None:
    """The Hessian leaves the search as it was (same α with and without it); a run stopped
    mid-way and resumed holds the same eigenvalues and α as the uninterrupted one."""
    common = [*EMBEDDED_FAST, "trainer.max_epochs=3"]
    es = [*common, "callbacks=darts_es", "callbacks.darts_es.every_n_epochs=1"]
    full, plain, half, resumed = (tmp_path / n for n in ("full", "plain", "half", "resumed"))
    run_search(make_cfg(*es, "figures=true"), full)
    run_search(make_cfg(*common), plain)
    for cell, w in alphas(full).items():
        torch.testing.assert_close(
            torch.tensor(alphas(plain)[cell]), torch.tensor(w), atol=0, rtol=0
        )
    with stopping(StopAt(epoch=2, batch=None)), pytest.raises(SystemExit):
        run_search(make_cfg(*es), half)
    run_search(make_cfg(*es, f"resume={half}"), resumed)
    got, want = (json.loads((d / "hessian.json").read_text()) for d in (resumed, full))
    assert got["epochs"] == want["epochs"] == [0, 1, 2]
    assert got["eigenvalues"] == pytest.approx(want["eigenvalues"], rel=1e-6)  # as α: 1e-6
    for cell, w in alphas(full).items():
        torch.testing.assert_close(
            torch.tensor(alphas(resumed)[cell]), torch.tensor(w), atol=1e-6, rtol=0
        )
    assert (full / "eigenvalue.png").stat().st_size > 0


class Arch:
    """The part of an Architecture a method's mixing reads."""

    def __init__(self, alpha: torch.Tensor) -> None:
        self.alphas = {"cell": alpha}
        self.op_keys = ("cell",)
        self.activation = type("Softmax", (), {"prunes": False})()

    def weights(self) -> dict[str, torch.Tensor]:
        return {"cell": torch.softmax(self.alphas["cell"], -1)}


def test_drnas_samples_a_dirichlet_of_elu_plus_one() -> None:
    alpha = torch.tensor([[0.0, 1.0, -1.0, 2.0]], dtype=torch.float64)
    beta = torch.tensor(
        [[1.0, 2.0, torch.exp(torch.tensor(-1.0)).item(), 3.0]], dtype=torch.float64
    )
    method, arch = Drnas(), Arch(alpha)
    mean, _ = method.mixing(arch, sample=False)
    torch.testing.assert_close(mean["cell"], beta / beta.sum())
    torch.manual_seed(0)
    draws = torch.cat([method.mixing(arch)[0]["cell"] for _ in range(4000)])
    torch.testing.assert_close(draws.sum(-1), torch.ones(4000, dtype=torch.float64))
    torch.testing.assert_close(draws.mean(0, keepdim=True), beta / beta.sum(), atol=0.01, rtol=0)
    assert (
        Drnas().validation_mixing(arch)[0]["cell"].ne(mean["cell"]).any()
    )  # the code samples there too
    torch.testing.assert_close(
        Drnas(sample_validation=False).validation_mixing(arch)[0]["cell"], mean["cell"]
    )


def test_darts_minus_adds_beta_to_skip_and_nothing_at_zero() -> None:
    class Space:
        ops = ("none", "skip_connect", "nor_conv_3x3")

        def op_table(self) -> dict[str, list[list[str]]]:
            return {"cell": [list(self.ops)] * 2}

        def ops_on_every_edge(self) -> list[str]:
            return list(self.ops)

    alpha = torch.tensor([[0.2, -0.1, 0.4], [0.0, 0.3, -0.2]])
    arch = Arch(alpha)
    method = DartsMinus(beta=1.0)
    method.check(Space(), type("A", (), {"domain": "logits"})(), False)
    method.set_epoch(10, 50)  # β = 1 − 10/50
    plain = torch.softmax(alpha, -1)
    expected = plain + torch.tensor([0.0, 0.8, 0.0])
    torch.testing.assert_close(method.mixing(arch)[0]["cell"], expected)
    method.set_epoch(50, 50)  # β = 0: DARTS
    torch.testing.assert_close(method.mixing(arch)[0]["cell"], plain)
    Space.ops = ("none", "nor_conv_3x3")  # built by hand, past combination.py's refusal
    with pytest.raises(
        ConfigError,
        match=r"needs the op\(s\) skip_connect on every edge; the space's there: none, nor_co",
    ):
        DartsMinus().check(Space(), type("A", (), {"domain": "logits"})(), False)


def test_fair_darts_zero_one_loss_by_hand() -> None:
    gates = [torch.tensor([[0.5, 1.0], [0.0, 0.75]])]
    assert float(ZeroOne.zero_one(gates)) == pytest.approx(-(0 + 0.25 + 0.25 + 0.0625) / 4)


def test_drop_path_masks_whole_edges_per_image() -> None:
    torch.manual_seed(0)
    w = torch.tensor([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
    out = drop_edges(w, images=2000, p=0.25)
    assert out.shape == (3, 2, 2000, 1, 1, 1)
    per_image = out[..., 0, 0, 0]  # [edges, ops, images]
    kept = per_image[:, 0, :] != 0
    # a kept (edge, image) carries every op scaled by 1/(1 − p), a dropped one nothing
    torch.testing.assert_close(per_image[:, :, 0][kept[:, 0]], (w / 0.75)[kept[:, 0]])
    assert (per_image.ne(0) == kept[:, None, :]).all()
    assert float(kept.float().mean()) == pytest.approx(0.75, abs=0.02)


def test_fair_darts_search_drops_none_and_logs_the_threshold(tmp_path: Path) -> None:
    run_search(make_cfg("+experiment=fair_darts", *EMBEDDED_FAST, "trainer.max_epochs=1",
                        "logger=csv"), tmp_path)  # fmt: skip
    ops = json.loads((tmp_path / "alphas.json").read_text())["ops"]
    assert ops == ["skip_connect", "nor_conv_3x3", "avg_pool_3x3"]
    state = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    assert not [k for k in state if k.startswith("method.")]  # resumable: no α copy in there
    assert "zero_one/below_threshold" in next(tmp_path.rglob("metrics.csv")).read_text()
