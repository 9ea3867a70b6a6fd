"""gaea_release's "arch_weight_decay" under exponentiated gradient: λ · Σ_edges Σ_ops θ log(θ·|O|),
the KL divergence of each edge's op weights θ from uniform. Minimising it pulls θ towards
uniform (raises entropy), so λ = 0.01 slows GAEA GDAS's sparsification (architect_egdas.py).
θ are the activated op weights (the simplex under `activation=simplex`); PC-DARTS β rows count
with their own width."""

from __future__ import annotations

import torch

from darts_lab.arch.architecture import Architecture
from darts_lab.config import check
from darts_lab.regularizer.base import Regularizer


class UniformKl(Regularizer):
    def __init__(self, weight: float = 0.01) -> None:
        super().__init__()
        check("regularizer.weight", weight, lambda v: v >= 0, "a number >= 0")
        self.weight = weight
        self._last: dict[str, torch.Tensor | float] = {}

    def penalty(self, arch: Architecture, progress: float) -> torch.Tensor:
        kl = sum(
            (theta * (theta * theta.shape[-1]).clamp_min(1e-30).log()).sum()
            for theta in arch.weights().values()
        )
        self._last = {"kl_uniform": kl.detach()}
        return self.weight * kl

    def metrics(self) -> dict[str, torch.Tensor | float]:
        return self._last
