"""DrNAS's KL regularizer (their `reg_type='kl'`): λ · Σ_edges KL(Dir(ELU(α) + 1) ‖ Dir(1)),
every cell type's op weights; used with method=drnas in place of Adam's α weight decay."""

from __future__ import annotations

import torch
from torch.distributions import Dirichlet, kl_divergence

from darts_lab.arch.architecture import Architecture
from darts_lab.method.drnas import concentration
from darts_lab.regularizer.base import WeightedPenalty


class DirichletKl(WeightedPenalty):
    name = "kl_dirichlet"

    def __init__(self, weight: float = 1e-3) -> None:
        super().__init__(weight)

    def value(self, arch: Architecture) -> torch.Tensor:
        return sum(
            kl_divergence(
                Dirichlet(concentration(arch.alphas[k])),
                Dirichlet(torch.ones_like(arch.alphas[k])),
            ).sum()
            for k in arch.op_keys
        )
