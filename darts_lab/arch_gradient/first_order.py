"""First-order DARTS: ∇α of the α loss at the current w (w held fixed), plus the regularizer's
term. The supernet's weights are frozen (requires_grad off) for the α-step's forward, so
autograd neither stores what only weight gradients need (convolution inputs: ~15 % of the saved
activations at the CIFAR search size, and the step's peak) nor computes those gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import torch
from torch import nn

from darts_lab.arch_gradient.base import Mixing, StepContext


@contextmanager
def frozen(net: nn.Module) -> Iterator[None]:
    """The net's trainable parameters take no part in autograd inside the block."""
    params = [p for p in net.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)


class FirstOrder:
    arch_step_first: ClassVar[bool] = False  # Algorithm 1: the schedule sees the w-step first
    unrolled: ClassVar[bool] = False

    def check(self, recompute_edges: bool) -> None:
        """Any setting will do."""

    def backward(
        self,
        ctx: StepContext,
        mixing: Callable[[Any], Mixing],
        arch_batch: Any,
        w_batch: Any,
        penalty: torch.Tensor,
    ) -> torch.Tensor:
        """Leave ∇α(L_α + penalty) in α.grad; return L_α (detached) for logging."""
        with frozen(ctx.net):
            output, target = ctx.task(ctx.net, arch_batch, *mixing(arch_batch))
            loss = ctx.task.loss(output, target)
            ctx.arch_backward(loss + penalty)
        return loss.detach()
