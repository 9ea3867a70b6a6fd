import pytest
import torch

from darts_lab.search_space.darts_cnn import MixedOp, SearchCell, SearchNetwork
from darts_lab.search_space.ops import OPS, PRIMITIVES


@pytest.mark.parametrize("name", PRIMITIVES)
@pytest.mark.parametrize("stride", [1, 2])
def test_op_shapes(name: str, stride: int) -> None:
    x = torch.randn(2, 6, 8, 8)
    y = OPS[name](6, stride, False)(x)
    assert y.shape == (2, 6, 8 // stride, 8 // stride)


def test_mixed_op_skips_none_but_equals_full_weighted_sum() -> None:
    torch.manual_seed(0)
    mixed = MixedOp(4, 1, PRIMITIVES).eval()
    assert "none" not in mixed.ops and len(mixed.ops) == len(PRIMITIVES) - 1
    x, w = torch.randn(2, 4, 8, 8), torch.softmax(torch.randn(len(PRIMITIVES)), 0)
    full = sum(w[PRIMITIVES.index(n)] * op(x) for n, op in mixed.ops.items())
    full = full + w[0] * OPS["none"](4, 1, False)(x)  # the term the mixed op leaves out
    torch.testing.assert_close(mixed(x, w), full)


@pytest.mark.parametrize("reduction", [False, True])
@pytest.mark.parametrize("reduction_prev", [False, True])
def test_cell_shapes(reduction: bool, reduction_prev: bool) -> None:
    c = 4
    s0 = torch.randn(2, 6, 16 if reduction_prev else 8, 16 if reduction_prev else 8)
    s1 = torch.randn(2, 5, 8, 8)
    cell = SearchCell(PRIMITIVES, 4, 4, 6, 5, c, reduction, reduction_prev)
    out = cell(s0, s1, torch.softmax(torch.randn(14, 8), -1))
    size = 4 if reduction else 8
    assert out.shape == (2, 4 * c, size, size)


@pytest.mark.parametrize("in_channels,size", [(1, 8), (3, 32)])
def test_network_shapes(in_channels: int, size: int) -> None:
    net = SearchNetwork(in_channels, 10, init_channels=4, layers=3)
    assert net.arch_shapes() == {"normal": (14, 8), "reduce": (14, 8)}
    assert [c.reduction for c in net.cells] == [False, True, True]
    w = {t: torch.softmax(torch.randn(14, 8), -1) for t in ("normal", "reduce")}
    assert net(torch.randn(2, in_channels, size, size), w).shape == (2, 10)


def test_reduction_cells_at_thirds() -> None:
    net = SearchNetwork(3, 10, init_channels=2, layers=8)
    assert [i for i, c in enumerate(net.cells) if c.reduction] == [2, 5]


def test_unknown_op_rejected() -> None:
    with pytest.raises(ValueError, match="unknown op 'conv_9x9'.*allowed: none, max_pool_3x3"):
        SearchNetwork(1, 10, 4, 3, ops=["none", "conv_9x9"])


@pytest.mark.parametrize("size", [7, 8])
@pytest.mark.parametrize("layout", [torch.contiguous_format, torch.channels_last])
def test_factorized_reduce_equals_the_stride_2_convs(size: int, layout) -> None:
    """Issue #33: FactorizedReduce subsamples, then convolves at stride 1; by hand, the original
    two offset stride-2 1×1 convs (NCHW: the kernel that does not crash), values and gradients."""
    from darts_lab.search_space.ops import FactorizedReduce

    torch.manual_seed(0)
    op = FactorizedReduce(6, 5, affine=True).double().to(memory_format=layout)
    x = torch.randn(2, 6, size, size, dtype=torch.float64).contiguous(memory_format=layout)
    x.requires_grad_()
    y = op(x)
    r = x.detach().contiguous().requires_grad_()
    conv = torch.nn.functional.conv2d
    w1, w2 = op.conv_1.weight.detach().contiguous(), op.conv_2.weight.detach().contiguous()
    shifted = torch.nn.functional.pad(r.relu()[:, :, 1:, 1:], (0, 1, 0, 1))
    halves = torch.cat([conv(r.relu(), w1, stride=2), conv(shifted, w2, stride=2)], 1)
    expected = torch.nn.functional.batch_norm(halves, None, None, training=True)
    assert y.shape == (2, 5, (size + 1) // 2, (size + 1) // 2)
    torch.testing.assert_close(y, expected, rtol=1e-12, atol=1e-12)
    g = torch.randn_like(y)
    (y * g).sum().backward()
    (expected * g).sum().backward()
    torch.testing.assert_close(x.grad, r.grad, rtol=1e-10, atol=1e-12)
