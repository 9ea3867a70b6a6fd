"""GAEA's exponentiated-gradient update (Li et al. 2021, eq. 8): mirror descent on the simplex.

    θ ← θ ⊙ exp(−η ∇θ L),   then θ_edge ← θ_edge / Σ θ_edge   (per edge: the last dim)

θ are the op weights themselves (`activation=simplex`), not logits. No weight decay.

Numerical guard: the product is formed in log space and normalised with a log-sum-exp, so
large gradients cannot overflow exp() or divide 0 by 0; the result is floored at `floor` and
renormalised, so an op whose weight underflows is never stuck at exactly 0 (a multiplicative
update could not bring it back) and log θ stays finite.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch.optim import Optimizer

from darts_lab.config import check


class ExponentiatedGradient(Optimizer):
    def __init__(
        self, params: Iterable[torch.Tensor], lr: float = 0.1, floor: float = 1e-30
    ) -> None:
        check("arch_optimizer.lr", lr, lambda v: v > 0, "a positive number")
        check("arch_optimizer.floor", floor, lambda v: 0 <= v < 1e-3, "a number in [0, 1e-3)")
        super().__init__(params, {"lr": lr, "floor": floor})

    @torch.no_grad()
    def step(self, closure=None):  # noqa: ANN001 - torch's signature
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for theta in group["params"]:
                if theta.grad is None:
                    continue
                logits = theta.clamp_min(group["floor"]).log() - group["lr"] * theta.grad
                new = torch.softmax(logits, dim=-1).clamp_min(group["floor"])
                theta.copy_(new / new.sum(dim=-1, keepdim=True))
        return loss
