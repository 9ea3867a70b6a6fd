"""The eight DARTS candidate operations (Liu et al. 2019), as in quark0/darts `operations.py`, and
R-DARTS's `noise` (Zela et al. 2020, search space S4)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from darts_lab.config import ConfigError, check

PRIMITIVES: tuple[str, ...] = (
    "none",
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)
# what a DARTS CNN space may search over: DARTS's eight (the default) and R-DARTS's noise
SEARCHABLE: tuple[str, ...] = (*PRIMITIVES, "noise")


class ReluFirst(nn.Sequential):
    """An op that starts with ReLU. `after_relu` is the rest of it, applied to ReLU(x): the mixed
    op computes ReLU(x) once for all such ops (perf.recompute_edges keeps memory low with it)."""

    def after_relu(self, x: torch.Tensor) -> torch.Tensor:
        for layer in list(self)[1:]:
            x = layer(x)
        return x


class ReLUConvBN(ReluFirst):
    def __init__(
        self, c_in: int, c_out: int, kernel: int, stride: int, padding: int, affine: bool = True
    ) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )


class DilConv(ReluFirst):
    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel: int,
        stride: int,
        padding: int,
        dilation: int,
        affine: bool = True,
    ) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(
                c_in, c_in, kernel, stride, padding, dilation=dilation, groups=c_in, bias=False
            ),
            nn.Conv2d(c_in, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )


class SepConv(nn.Sequential):
    """Two stacked depthwise-separable convolutions (the first one carries the stride)."""

    def __init__(
        self, c_in: int, c_out: int, kernel: int, stride: int, padding: int, affine: bool = True
    ) -> None:
        super().__init__(
            DilConv(c_in, c_in, kernel, stride, padding, 1, affine),
            DilConv(c_in, c_out, kernel, 1, padding, 1, affine),
        )

    def after_relu(self, x: torch.Tensor) -> torch.Tensor:
        return self[1](self[0].after_relu(x))


class Zero(nn.Module):
    """The "none" op. Mixed ops skip it (it adds nothing); it exists for discretized nets."""

    def __init__(self, stride: int) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, :: self.stride, :: self.stride].mul(0.0)


class Noise(nn.Module):
    """R-DARTS's "noise" op (automl/RobustDARTS `operations.py` NoiseOp): N(0, 1) noise with the
    shape of the input after the stride, whatever the input holds. Parameter-free. The noise comes
    from torch's global generator of the input's device, which every checkpoint saves and restores
    (lit/reliability.py), so a resumed search draws the same noise; it is drawn in logical
    (NCHW) order, so the values do not depend on the memory format."""

    def __init__(self, stride: int) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x[:, :, :: self.stride, :: self.stride].shape
        return torch.randn(shape, dtype=x.dtype, device=x.device)


class FactorizedReduce(nn.Module):
    """Halves the resolution with two offset stride-2 1x1 convs (works for odd inputs too).

    Each stride-2 1x1 conv is computed as a stride-1 1x1 conv on every other pixel: the same
    products and sums (checkpoints unchanged), but it never takes torch 2.14's oneDNN weight-grad
    kernel for stride-2 1x1 convs in channels_last, which corrupts the heap at 56 px and up with
    fewer than 16 input channels (issue #33; `scripts/nhwc_conv_crash.py` maps where).
    """

    def __init__(self, c_in: int, c_out: int, affine: bool = True) -> None:
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out - c_out // 2, 1, bias=False)
        self.bn = nn.BatchNorm2d(c_out, affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.after_relu(self.relu(x))

    def after_relu(self, x: torch.Tensor) -> torch.Tensor:
        a = self.conv_1(x[:, :, ::2, ::2])
        b = self.conv_2(nn.functional.pad(x[:, :, 1:, 1:], (0, 1, 0, 1))[:, :, ::2, ::2])
        return self.bn(torch.cat([a, b], dim=1))


OpFactory = Callable[[int, int, bool], nn.Module]

OPS: dict[str, OpFactory] = {
    "none": lambda c, stride, affine: Zero(stride),
    "noise": lambda c, stride, affine: Noise(stride),
    "avg_pool_3x3": lambda c, stride, affine: nn.AvgPool2d(
        3, stride=stride, padding=1, count_include_pad=False
    ),
    "max_pool_3x3": lambda c, stride, affine: nn.MaxPool2d(3, stride=stride, padding=1),
    "skip_connect": lambda c, stride, affine: (
        nn.Identity() if stride == 1 else FactorizedReduce(c, c, affine)
    ),
    "sep_conv_3x3": lambda c, stride, affine: SepConv(c, c, 3, stride, 1, affine),
    "sep_conv_5x5": lambda c, stride, affine: SepConv(c, c, 5, stride, 2, affine),
    "dil_conv_3x3": lambda c, stride, affine: DilConv(c, c, 3, stride, 2, 2, affine),
    "dil_conv_5x5": lambda c, stride, affine: DilConv(c, c, 5, stride, 4, 2, affine),
}


def check_ops(
    ops: list[str] | tuple[str, ...],
    allowed: tuple[str, ...] = SEARCHABLE,
    where: str = "search_space.ops",
) -> None:
    """Fail with one line naming the unknown op and the allowed ones."""
    unknown = [op for op in ops if op not in allowed]
    if unknown:
        raise ConfigError(f"unknown op {unknown[0]!r} in {where}; allowed: {', '.join(allowed)}")
    if len(set(ops)) != len(ops):
        raise ConfigError(f"{where} lists an op twice: {list(ops)}")


def check_partial_channels(k: int, channels: int) -> None:
    """PC-DARTS's K must split the first stage's channels evenly."""
    check(
        "search_space.partial_channels",
        k,
        lambda v: isinstance(v, int) and v >= 1 and channels % v == 0,
        f"a positive integer dividing init_channels={channels}",
    )


@contextmanager
def running_stats_kept(module: nn.Module) -> Iterator[None]:
    """BatchNorm layers in `module` leave their running statistics as they are (momentum 0):
    a recomputed forward must not count its batch twice."""
    norms = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.momentum = 0.0
    try:
        yield
    finally:
        for m, momentum in zip(norms, momenta, strict=True):
            m.momentum = momentum


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """PC-DARTS: interleave the channels of `groups` groups, so every channel takes a turn
    through the ops across cells."""
    n, c, h, w = x.shape
    return x.view(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)


class CandidateOps(nn.Module):
    """The candidate ops of one edge, mixed by their weights: Σ_o w_o · o(x). "none" is never
    computed (it adds 0), nor are pruned ops (CRB); given a `choice` (GDAS) only that op runs.
    ReLU(x) is computed once per edge and shared by the ops that start with it (DARTS's sep and
    dil convs, the reducing skip, NB201's convs): one stored activation instead of up to five.

    PC-DARTS (`k` > 1): only the first C/K channels (`c_op`) go through the ops, the rest take
    `bypass` (identity, or max-pooled on a reducing edge), then a channel shuffle mixes the two.

    `recompute` (perf.recompute_edges): activation checkpointing of the edge. Only its input
    and output stay stored; the backward pass runs the edge again to rebuild the rest
    (BatchNorm running statistics are not updated a second time).

    Subclasses build `self.ops` (name → module) with `self.index` (each op's position in the
    weight vector), set `k`, `c_op` and `bypass`, call `set_alive`, and say what an edge of
    zeros looks like (`zeros`)."""

    ops: nn.ModuleDict
    index: list[int]
    k: int
    c_op: int
    bypass: nn.Module
    recompute: bool = False

    def set_alive(self, alive: torch.Tensor) -> None:
        self.active = [
            (i, op) for i, op in zip(self.index, self.ops.values(), strict=True) if bool(alive[i])
        ]
        self.by_index = dict(self.active)
        self.tails = {i: op.after_relu for i, op in self.active if hasattr(op, "after_relu")}

    def zeros(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(x)

    def mix(self, x: torch.Tensor, weights: torch.Tensor, choice: int | None) -> torch.Tensor:
        if choice is not None:
            # GDAS: the other ops' weights are exactly 0 but still pass gradient, as in GDAS
            others = weights.sum() - weights[choice]
            op = self.by_index.get(choice)  # "none" or pruned: the edge adds 0
            return (weights[choice] * op(x) if op is not None else self.zeros(x)) + others
        if not self.active:  # every op pruned: the edge contributes nothing
            return self.zeros(x)
        relu = torch.relu(x) if self.tails else None
        return sum(
            weights[i] * (self.tails[i](relu) if i in self.tails else op(x))
            for i, op in self.active
        )

    def forward(
        self, x: torch.Tensor, weights: torch.Tensor, choice: int | None = None
    ) -> torch.Tensor:
        if self.recompute and torch.is_grad_enabled():
            return checkpoint(
                self.edge,
                x,
                weights,
                choice,
                use_reentrant=False,
                context_fn=lambda: (nullcontext(), running_stats_kept(self)),
            )
        return self.edge(x, weights, choice)

    def edge(self, x: torch.Tensor, weights: torch.Tensor, choice: int | None) -> torch.Tensor:
        if self.k == 1:
            return self.mix(x, weights, choice)
        part, rest = x[:, : self.c_op], x[:, self.c_op :]
        out = torch.cat([self.mix(part, weights, choice), self.bypass(rest)], dim=1)
        return channel_shuffle(out, self.k)
