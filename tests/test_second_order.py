"""Second-order (unrolled) DARTS: the finite-difference α-gradient against autograd's exact
second-order gradient, ξ = 0 against first order, and 2-batch searches of what it composes with."""

from pathlib import Path

import pytest
import torch
from torch.func import functional_call

from darts_lab.config import ConfigError
from darts_lab.method.base import StepContext
from darts_lab.search import build, run_search
from tests.conftest import make_cfg

XI, MU, DECAY = 0.05, 0.9, 3e-4


@pytest.fixture
def float64():
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


def setup(tmp_path: Path, xi: float = XI):
    """A tiny NB201 supernet in float64, an SGD with a momentum buffer, two batches."""
    module, _, _, _, _ = build(
        make_cfg("search_space=nb201", "arch_gradient=second_order"), tmp_path
    )
    module.double()
    torch.manual_seed(0)
    with torch.no_grad():
        for alpha in module.arch.parameters():
            alpha.normal_(0, 0.5)  # away from uniform: the α-dependence is not degenerate
    x = torch.randn(16, 1, 8, 8)
    w_batch, a_batch = (x[:8], torch.arange(8) % 10), (x[8:], torch.arange(8) % 3)
    opt = torch.optim.SGD(module.net.parameters(), xi, momentum=MU, weight_decay=DECAY)
    loss = module.task.loss(*module.task(module.net, w_batch, module.arch.weights()))
    loss.backward()
    opt.step()  # a momentum buffer now exists, as after any real w-step
    opt.zero_grad()
    grads = {}
    fake = StepContext(  # what a method sees of the search
        module.net,
        module.task,
        module.arch,
        opt,
        arch_backward=None,
        set_arch_grad=lambda g: grads.setdefault("alpha", g),
        gradient=module.arch_gradient,
    )
    return module, fake, opt, w_batch, a_batch, grads


def exact_unrolled_gradient(module, opt, w_batch, a_batch) -> list[torch.Tensor]:
    """d/dα L_val(w − ξ(μ·buf + ∇w L_train(w, α) + λw), α) by double backward."""
    net, task, alphas = module.net, module.task, list(module.arch.parameters())
    names = [n for n, _ in net.named_parameters()]
    w = [p.detach().clone().requires_grad_() for p in net.parameters()]

    def loss(params, batch):
        inputs = (batch[0], module.arch.weights())
        output = functional_call(net, dict(zip(names, params, strict=True)), inputs)
        return task.loss(output, batch[1])

    grads = torch.autograd.grad(loss(w, w_batch), w, create_graph=True, allow_unused=True)
    virtual = []
    for p, param, g in zip(w, net.parameters(), grads, strict=True):
        buf = opt.state[param].get("momentum_buffer", torch.zeros_like(p))
        virtual.append(p - XI * (MU * buf + (0 if g is None else g) + DECAY * p))
    return list(torch.autograd.grad(loss(virtual, a_batch), alphas, allow_unused=True))


def test_finite_differences_match_the_exact_second_order_gradient(float64, tmp_path: Path):
    from darts_lab.arch_gradient.second_order import Unrolled

    module, fake, opt, w_batch, a_batch, grads = setup(tmp_path)
    # ε·‖v‖ = r: at DARTS's r = 0.01 the ±ε points of this 4-channel net straddle ReLU kinks
    # (measured: 410 % off at r = 1e-2, 800 % at 1e-3, then 7.5e-8 at 1e-4, 7.4e-10 at 1e-5, the
    # O(ε²) of a smooth region), so the formula is checked where the loss is smooth
    plain = lambda batch: (module.arch.weights(), None)  # noqa: E731 - DARTS's own op weights
    Unrolled(r=1e-4).backward(fake, plain, a_batch, w_batch, torch.zeros(()))
    exact = exact_unrolled_gradient(module, opt, w_batch, a_batch)
    for got, want in zip(grads["alpha"], exact, strict=True):
        assert float((got - want).norm() / want.norm()) < 1e-4
    # and the second-order term matters here: first order is measurably different
    first = torch.autograd.grad(
        module.task.loss(*module.task(module.net, a_batch, module.arch.weights())),
        list(module.arch.parameters()),
    )
    assert float((first[0] - exact[0]).norm() / exact[0].norm()) > 1e-3


def test_xi_zero_is_first_order(float64, tmp_path: Path):
    from darts_lab.arch_gradient.second_order import Unrolled

    module, fake, _, w_batch, a_batch, grads = setup(tmp_path, xi=0.0)
    penalty = module.arch.weights()["cell"].square().sum()  # a penalty's gradient adds
    Unrolled().backward(
        fake, lambda batch: (module.arch.weights(), None), a_batch, w_batch, penalty
    )
    loss = module.task.loss(*module.task(module.net, a_batch, module.arch.weights()))
    penalty = module.arch.weights()["cell"].square().sum()
    first = torch.autograd.grad(loss + penalty, list(module.arch.parameters()))
    for got, want in zip(grads["alpha"], first, strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-12)


COMPOSED = {
    "darts_cnn": ["+experiment=darts_2nd", "dataset=digits"],
    "darts_prime": ["+experiment=darts_prime_2nd", "dataset=digits", "schedule.r=1"],
    "crb_admm": ["+experiment=admm_fimt_crb", "arch_gradient=second_order", "dataset=digits"],
    "pcdarts": [
        "+experiment=pcdarts",
        "arch_gradient=second_order",
        "dataset=digits",
        "arch_warmup_epochs=0",
        "search_space.partial_channels=2",
    ],
    "eg_simplex_nb201": [
        "+experiment=gaea_darts_bilevel",
        "arch_gradient=second_order",
        "dataset=digits",
        "arch_warmup_epochs=0",
    ],
    "gaea_pcdarts_nb1shot1": [
        "+experiment=gaea_pcdarts_nb1shot1",
        "arch_gradient=second_order",
        "dataset=digits",
        "search_space.space=3",
    ],
    "rnn_darts_prime": [
        "+experiment=darts_prime_ptb",
        "dataset=tiny_corpus",
        "arch_gradient=second_order",
        "schedule.r=1",
    ],
}


@pytest.mark.parametrize("name", list(COMPOSED))
def test_second_order_composes(name: str, tmp_path: Path) -> None:
    cfg = make_cfg(
        *COMPOSED[name],
        "dataset.batch_size=16",
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=1",
        "schedule.h0=1e6" if "prime" in name or "crb" in name else "seed=0",
    )
    run_search(cfg, tmp_path)
    assert (tmp_path / "genotype.json").exists()
    ckpt = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=False)
    assert int(ckpt["state_dict"]["a_steps"]) >= 1


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        (["arch_gradient.r=0"], "arch_gradient.r must be positive"),
        (["method=erm"], "method=erm takes first-order α-gradients only; arch_gradient=unrolled"),
        (["method=gdas"], "method=gdas takes first-order α-gradients only"),
    ],
)
def test_refused_options(overrides: list[str], says: str, tmp_path: Path) -> None:
    """A non-positive r; methods without a second-order form (single level, sampled paths)."""
    with pytest.raises(ConfigError, match=says) as err:
        run_search(make_cfg("arch_gradient=second_order", *overrides), tmp_path)
    assert "\n" not in str(err.value)
