"""CRB activation: clipping, pruning for good, pruned ops skipped and never chosen."""

import pytest
import torch

from darts_lab.arch.activation import Crb
from darts_lab.arch.architecture import Architecture
from darts_lab.search_space.darts_cnn import SearchNetwork
from darts_lab.search_space.ops import PRIMITIVES

CRB_OPS = [op for op in PRIMITIVES if op != "none"]


def setup():
    torch.manual_seed(0)
    net = SearchNetwork(1, 10, init_channels=4, layers=3, ops=CRB_OPS, node_batchnorm=True)
    sel = net.selectable()
    arch = Architecture(net.arch_shapes(), Crb(), 1e-3, sel, net.project)
    return net, arch


def test_crb_clips_and_normalises_nodes() -> None:
    assert torch.equal(Crb()(torch.tensor([-0.5, 0.3, 1.7])), torch.tensor([0.0, 0.3, 1.0]))
    net, arch = setup()
    assert isinstance(net.cells[0].node_norms[0], torch.nn.BatchNorm2d)
    assert not net.cells[0].node_norms[0].affine


def test_crb_init_is_one_over_the_op_count_plus_small_noise() -> None:
    """The authors' code: α = 1/|O| + 1e-4·N(0, 1); 7 ops without "none" → mean 1/7."""
    torch.manual_seed(0)
    alpha = torch.empty(2000, 7)
    Crb().init_(alpha, scale=1e-3)  # arch_init_scale is for logits: ignored
    assert float(alpha.mean()) == pytest.approx(1 / 7, abs=5e-6)  # 4 standard errors
    assert float((alpha - 1 / 7).std()) == pytest.approx(1e-4, rel=0.02)
    _, arch = setup()
    assert arch.alphas["normal"].shape[-1] == 7
    assert ((arch.alphas["normal"] - 1 / 7).abs() < 1e-3).all()


def test_pruned_op_stays_pruned_is_skipped_and_never_chosen() -> None:
    net, arch = setup()
    sep3 = CRB_OPS.index("sep_conv_3x3")
    with torch.no_grad():
        arch.alphas["normal"][0, sep3] = -0.01
    assert arch.prune() and arch.num_pruned() == 1
    net.set_alive(arch.alive())
    with torch.no_grad():  # even if α climbs back, and would win every edge, the op stays out
        arch.alphas["normal"][:, sep3] = 0.9
    assert not arch.prune() and not arch.alive()["normal"][0, sep3]
    assert float(arch.weights()["normal"][0, sep3]) == 0.0

    calls = []
    op = net.cells[0].edges[0].ops["sep_conv_3x3"]
    op.register_forward_hook(lambda *_: calls.append(1))
    net(torch.randn(2, 1, 8, 8), arch.weights())
    assert calls == []  # cell 0 is a normal cell; its edge 0 no longer runs sep_conv_3x3
    assert net.cells[0].edges[1].ops["sep_conv_3x3"] in [m for _, m in net.cells[0].edges[1].active]

    genotype = net.discretize({k: w.detach() for k, w in arch.weights().items()}, arch.selectable())
    assert ("sep_conv_3x3", 0) not in genotype.normal[0]  # edge 0 → node 2 cannot pick it
    assert ("sep_conv_3x3", 1) in genotype.normal[0]  # the other edge still can


def test_fully_pruned_edge_outputs_zeros() -> None:
    net, arch = setup()
    with torch.no_grad():
        arch.alphas["reduce"][0] = -1.0
    arch.prune()
    net.set_alive(arch.alive())
    edge = net.cells[1].edges[0]
    out = edge(torch.randn(2, 16, 4, 4), arch.weights()["reduce"][0])
    assert out.shape == (2, 16, 2, 2) and float(out.abs().sum()) == 0.0
