"""First-order DARTS: ∇α of the α loss at the current w (w held fixed), plus the regularizer's
term. Autograd is asked for α's gradient only (the module's `arch_backward`), so it skips the
weight gradients nobody would use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:  # the module imports this file's siblings through the config only
    from darts_lab.lit.search_module import SearchModule


class FirstOrder:
    precedes_w_step = False  # Algorithm 1: the schedule sees the w-step, then the α-step

    def check(self, mode: str, sampling: bool) -> None:
        """Composes with every mode and sampler."""

    def backward(
        self, module: SearchModule, arch_batch: Any, w_batch: Any, penalty: torch.Tensor
    ) -> torch.Tensor:
        """Leave ∇α(L_α + penalty) in α.grad; return L_α (detached) for logging."""
        output, target = module.task(module.net, arch_batch, *module.arch.mixing())
        loss = module.task.loss(output, target)
        module.arch_backward(loss + penalty)
        return loss.detach()
