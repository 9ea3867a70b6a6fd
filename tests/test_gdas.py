"""GDAS: a hard Gumbel sample per edge, only the sampled op computed, τ from 10 to 0.1."""

from pathlib import Path

import pytest
import torch

from darts_lab.arch.activation import Simplex, Softmax
from darts_lab.arch.architecture import Architecture
from darts_lab.arch.gumbel import Gumbel
from darts_lab.method.gdas import Gdas
from darts_lab.search import build
from darts_lab.search_space.darts_cnn import MixedOp, SearchNetwork
from tests.conftest import make_cfg

OPS = ["none", "max_pool_3x3", "skip_connect", "sep_conv_3x3"]


def test_sample_is_one_hot_with_a_straight_through_gradient() -> None:
    torch.manual_seed(0)
    probs = torch.softmax(torch.randn(5, 4), -1).requires_grad_()
    hard, index = Gumbel()(probs)
    assert torch.equal(hard.detach(), torch.nn.functional.one_hot(index, 4).float())
    (hard * torch.arange(4.0)).sum().backward()
    assert probs.grad is not None and probs.grad.abs().sum() > 0


def test_forward_equals_the_single_sampled_op_and_runs_only_it() -> None:
    torch.manual_seed(0)
    edge = MixedOp(4, 1, OPS).eval()
    calls = {name: 0 for name in edge.ops}
    for name, op in edge.ops.items():
        op.register_forward_hook(lambda *_, n=name: calls.__setitem__(n, calls[n] + 1))
    x = torch.randn(2, 4, 6, 6)
    for choice in (3, 2, 1):
        weights = torch.nn.functional.one_hot(torch.tensor(choice), 4).float()
        expected = edge.ops[OPS[choice]](x)
        torch.testing.assert_close(edge(x, weights, choice), expected)
    assert calls == {"max_pool_3x3": 2, "skip_connect": 2, "sep_conv_3x3": 2}  # 1 + expected
    none = torch.nn.functional.one_hot(torch.tensor(0), 4).float()
    assert torch.equal(edge(x, none, 0), torch.zeros_like(x))


@pytest.mark.parametrize("activation", [Softmax(), Simplex()])
def test_network_on_a_sample_equals_the_one_hot_supernet(activation: torch.nn.Module) -> None:
    torch.manual_seed(1)
    net = SearchNetwork(1, 10, 4, 3, ops=OPS).eval()
    arch = Architecture(
        net.arch_shapes(), activation, 1e-3, net.selectable(), net.project, net.cell_types
    )
    weights, choices = Gdas().mixing(arch)
    assert set(choices) == {"normal", "reduce"} and len(choices["normal"]) == 14
    x = torch.randn(2, 1, 8, 8)
    onehot = {k: w.detach() for k, w in weights.items()}
    torch.testing.assert_close(net(x, weights, choices), net(x, onehot))


def test_tau_is_linear_from_tau_max_to_tau_min() -> None:
    g = Gumbel(10.0, 0.1)
    taus = []
    for epoch in (0, 1, 2):
        g.set_epoch(epoch, 3)
        taus.append(float(g.tau))
    assert taus == pytest.approx([10.0, 5.05, 0.1])


def test_tau_held_through_warm_up_as_gaea_code() -> None:
    """gaea_release GAEA GDAS: τ = 10 for 50 warm-up epochs, then 10 − 9.9·(e − 50)/(E − 1)."""
    g = Gumbel(10.0, 0.1, hold_epochs=50)
    taus = []
    for epoch in (0, 49, 50, 51, 249):
        g.set_epoch(epoch, 250)
        taus.append(float(g.tau))
    assert taus == pytest.approx([10.0, 10.0, 10.0, 10 - 9.9 / 249, 10 - 9.9 * 199 / 249])
    assert taus[-1] == pytest.approx(2.0880, abs=1e-4)  # it never reaches 0.1


def test_search_anneals_tau_over_the_epochs(tmp_path: Path) -> None:
    module, dm, trainer, _, _ = build(
        make_cfg(
            "method=gdas",
            "trainer.max_epochs=3",
            "trainer.limit_train_batches=2",
            "trainer.limit_val_batches=1",
        ),
        tmp_path,
    )
    seen = []
    module.on_train_epoch_end = lambda: seen.append(module.method.metrics()["arch/tau"])
    trainer.fit(module, datamodule=dm)
    assert seen == pytest.approx([10.0, 5.05, 0.1])
    assert int(module.a_steps) > 0


def test_bad_temperatures_fail_with_one_line(tmp_path: Path) -> None:
    from darts_lab.config import ConfigError

    with pytest.raises(ConfigError, match=r"method.tau_min=0.0 is not allowed"):
        build(make_cfg("method=gdas", "method.tau_min=0.0"), tmp_path)
    with pytest.raises(ConfigError, match=r"method.tau_max=0.05 is not allowed"):
        build(make_cfg("method=gdas", "method.tau_max=0.05"), tmp_path)
