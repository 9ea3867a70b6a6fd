"""GAEA's exponentiated-gradient update (Li et al. 2021, eq. 8): mirror descent on the simplex.

    θ ← θ ⊙ exp(−η ∇θ L),   then per edge (the last dim) a floor and a normalisation

θ are the op weights themselves (`activation=simplex`), not logits. No weight decay.

The floor keeps a losing op from falling so low that the multiplicative update cannot bring it
back. Its value and place follow gaea_release (`order`):
- `clamp_then_normalize` (GAEA DARTS / PC-DARTS, architect_edarts.py): the product is floored at
  `floor` = 1e-5, then normalised (an entry may end just below the floor; rows sum to 1).
- `normalize_then_clamp` (GAEA GDAS, architect_egdas.py): normalised, then floored, with no
  second normalisation (rows may sum slightly above 1).

Computed in log space, exactly: max(θ e^{−ηg}, f) / Σ max(θ e^{−ηg}, f) = softmax(max(log θ − ηg,
log f)), so no gradient can overflow exp().
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch.optim import Optimizer

from darts_lab.config import check, check_choice

ORDERS = ("clamp_then_normalize", "normalize_then_clamp")


class ExponentiatedGradient(Optimizer):
    domains = ("simplex",)  # a multiplicative step on normalised rows: simplex in, simplex out

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 0.1,
        floor: float = 1e-5,
        order: str = "clamp_then_normalize",
    ) -> None:
        check("arch_optimizer.lr", lr, lambda v: v > 0, "a positive number")
        check("arch_optimizer.floor", floor, lambda v: 0 <= v < 1e-2, "a number in [0, 0.01)")
        check_choice("arch_optimizer.order", order, ORDERS)
        super().__init__(params, {"lr": lr, "floor": floor, "order": order})

    @torch.no_grad()
    def step(self, closure=None):  # noqa: ANN001 - torch's signature
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            log_floor = math.log(group["floor"]) if group["floor"] > 0 else -math.inf
            for theta in group["params"]:
                if theta.grad is None:
                    continue
                logits = theta.log() - group["lr"] * theta.grad  # log of θ ⊙ exp(−η g)
                if group["order"] == "clamp_then_normalize":
                    theta.copy_(torch.softmax(logits.clamp_min(log_floor), dim=-1))
                else:
                    theta.copy_(torch.softmax(logits, dim=-1).clamp_min(group["floor"]))
        return loss
