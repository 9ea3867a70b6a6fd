"""gaea_release's "arch_weight_decay" under exponentiated gradient: λ · Σ_edges Σ_ops θ log(θ·|O|),
the KL divergence of each edge's op weights θ from uniform. Minimising it pulls θ towards
uniform (raises entropy), so λ = 0.01 slows GAEA GDAS's sparsification (architect_egdas.py).
θ are the activated op weights (the simplex under `activation=simplex`); PC-DARTS β rows count
with their own width."""

from __future__ import annotations

import torch

from darts_lab.arch.architecture import Architecture
from darts_lab.regularizer.base import WeightedPenalty


class UniformKl(WeightedPenalty):
    name = "kl_uniform"

    def __init__(self, weight: float = 0.01) -> None:
        super().__init__(weight)

    def value(self, arch: Architecture) -> torch.Tensor:
        return sum(
            (theta * (theta * theta.shape[-1]).clamp_min(1e-30).log()).sum()
            for theta in arch.weights().values()
        )
