"""PC-DARTS: 1/K of the channels through the ops, channel shuffle, edge weights β in Π_S."""

import pytest
import torch

from darts_lab.arch.activation import Simplex
from darts_lab.arch.architecture import Architecture
from darts_lab.search_space.darts_cnn import MixedOp, SearchNetwork
from darts_lab.search_space.ops import channel_shuffle

OPS = ["none", "max_pool_3x3", "skip_connect", "sep_conv_3x3"]


def test_channel_shuffle_by_hand() -> None:
    x = torch.arange(8.0).view(1, 8, 1, 1)
    assert channel_shuffle(x, 4).flatten().tolist() == [0, 2, 4, 6, 1, 3, 5, 7]


@pytest.mark.parametrize("stride", [1, 2])
def test_only_c_over_k_channels_pass_through_the_ops(stride: int) -> None:
    edge = MixedOp(8, stride, OPS, partial_channels=4)
    seen = []
    for op in edge.ops.values():  # leaf modules: an op's own ReLU may be shared by the edge
        leaves = [m for m in op.modules() if not list(m.children())]
        leaves[0].register_forward_hook(lambda m, inp, out: seen.append(("in", inp[0].shape[1])))
        leaves[-1].register_forward_hook(lambda m, inp, out: seen.append(("out", out.shape[1])))
    x = torch.randn(2, 8, 6, 6)
    out = edge(x, torch.full((4,), 0.25))
    assert sorted(n for _, n in seen) == [2] * len(seen) and len(seen) >= 4  # C/K = 2 channels
    assert out.shape == (2, 8, 6 // stride, 6 // stride)
    # the 6 bypassed channels come out untouched (max-pooled when reducing), shuffled in
    rest = torch.nn.functional.max_pool2d(x[:, 2:], 2) if stride == 2 else x[:, 2:]
    part = out.new_zeros(2, 2, *out.shape[2:])
    expected = channel_shuffle(torch.cat([part, rest], 1), 4)
    bypassed = [c for c in range(8) if c % 4 != 0]  # shuffled positions of channels 2..7
    torch.testing.assert_close(out[:, bypassed], expected[:, bypassed])


def test_k_must_divide_the_channels() -> None:
    with pytest.raises(ValueError, match="partial_channels=3 is not allowed"):
        SearchNetwork(1, 10, 8, 3, partial_channels=3)


def test_beta_enters_the_projection() -> None:
    """Node 3 has edges from 0, 1, 2 with op strengths 0.5, 0.4, 0.3: without β Π_S keeps
    0 and 1; β = (0.1, 0.45, 0.45) makes the strengths 0.05, 0.18, 0.135: it keeps 1 and 2."""
    net = SearchNetwork(1, 10, 4, 3, steps=2, multiplier=2, ops=OPS, edge_weights=True)
    assert net.arch_shapes()["normal_beta1"] == (1, 3)
    alpha = torch.full((5, 4), 0.1)
    for edge, strength in zip(range(5), (0.6, 0.6, 0.5, 0.4, 0.3), strict=True):
        alpha[edge, 3] = strength  # sep_conv_3x3 is each edge's strongest op
    uniform = {"normal_beta0": torch.full((1, 2), 0.5), "normal_beta1": torch.full((1, 3), 1 / 3)}
    weights = {"normal": alpha, "reduce": alpha, **uniform}
    weights |= {k.replace("normal", "reduce"): v for k, v in uniform.items()}
    assert [src for _, src in net.discretize(weights).normal[1]] == [0, 1]
    weights["normal_beta1"] = torch.tensor([[0.1, 0.45, 0.45]])
    genotype = net.discretize(weights)
    assert [src for _, src in genotype.normal[1]] == [1, 2]
    assert [src for _, src in genotype.reduce[1]] == [0, 1]  # reduce β still uniform
    onehot = net.project(weights, net.selectable())
    assert onehot["normal_beta1"].tolist() == [[0.0, 1.0, 1.0]]


def test_beta_starts_uniform_on_the_simplex_and_weighs_the_edges() -> None:
    net = SearchNetwork(1, 10, 4, 3, ops=OPS, partial_channels=2, edge_weights=True)
    arch = Architecture(
        net.arch_shapes(), Simplex(), 1e-3, net.selectable(), net.project, net.cell_types
    )
    assert arch.alphas["normal_beta3"].tolist() == [[pytest.approx(0.2)] * 5]  # 5 inputs
    x = torch.randn(2, 1, 8, 8)
    loss = net(x, arch.weights()).logsumexp(-1).mean()
    loss.backward()
    assert all(a.grad is not None and a.grad.abs().sum() > 0 for a in arch.alphas.values())


def test_nb201_partial_channels_and_beta() -> None:
    """PC-DARTS on the NAS-Bench-201 cell: C/K channels through the ops, β weighs each node's
    incoming edges, Π_S (argmax per edge, every edge kept) is unchanged by β."""
    from darts_lab.search_space.nb201 import Nb201MixedOp, Nb201Network

    edge = Nb201MixedOp(8, ["none", "skip_connect"], partial_channels=4)
    x = torch.randn(2, 8, 4, 4)
    out = edge(x, torch.tensor([0.0, 0.5]))
    torch.testing.assert_close(out, channel_shuffle(torch.cat([0.5 * x[:, :2], x[:, 2:]], 1), 4))
    torch.manual_seed(0)
    net = Nb201Network(1, 10, 4, 1, partial_channels=2, edge_weights=True)
    shapes = net.arch_shapes()
    assert shapes["cell_beta0"] == (1, 1) and shapes["cell_beta2"] == (1, 3)
    weights = {k: torch.rand(s) for k, s in shapes.items()}
    images = torch.randn(3, 1, 8, 8)
    base = net(images, weights)
    # halving node 3's β on its edges changes the output; Π_S ignores β
    halved = dict(weights, cell_beta2=weights["cell_beta2"] * 0.5)
    assert not torch.allclose(net(images, halved), base)
    assert net.discretize(halved) == net.discretize(weights)
    projected = net.project(weights, net.selectable())
    assert projected["cell_beta1"].tolist() == [[1.0, 1.0]]
