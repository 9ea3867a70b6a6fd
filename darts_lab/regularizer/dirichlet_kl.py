"""DrNAS's KL regularizer (their `reg_type='kl'`): λ · Σ_edges KL(Dir(ELU(α) + 1) ‖ Dir(1)),
every cell type's op weights; used with method=drnas in place of Adam's α weight decay."""

from __future__ import annotations

import torch
from torch.distributions import Dirichlet, kl_divergence

from darts_lab.arch.architecture import Architecture
from darts_lab.config import check
from darts_lab.method.drnas import concentration
from darts_lab.regularizer.base import Regularizer


class DirichletKl(Regularizer):
    def __init__(self, weight: float = 1e-3) -> None:
        super().__init__()
        check("regularizer.weight", weight, lambda v: v >= 0, "a number >= 0")
        self.weight = weight
        self._last: dict[str, torch.Tensor | float] = {}

    def penalty(self, arch: Architecture, progress: float) -> torch.Tensor:
        kl = sum(
            kl_divergence(
                Dirichlet(concentration(arch.alphas[k])),
                Dirichlet(torch.ones_like(arch.alphas[k])),
            ).sum()
            for k in arch.op_keys
        )
        self._last = {"kl_dirichlet": kl.detach()}
        return self.weight * kl

    def metrics(self) -> dict[str, torch.Tensor | float]:
        return self._last
