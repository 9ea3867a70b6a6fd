"""DARTS-PRIME proximity regularization (eq. 8): (c · ρ_p / 2) · Σ_cell ‖α_cell − Π_S(α)_cell‖₂.

Which α: the activated op weights (softmax / simplex / clipped values), not raw logits. S is the
set of binary op-weight patterns (eq. 2-4: α_ijp ∈ {0, 1}), which only makes sense for weights in
[0, 1]; logits are shift-invariant under softmax, so pulling them towards 0/1 would not move the
mixed network towards the discrete one. The paper's Figure 1 likewise projects the softmaxed α.
‖·‖₂ is the plain (unsquared) norm of eq. 8, one per cell type, summed (normal + reduce), as the
authors' code computes it; one norm over both cell types stacked would scale the gradient by
about 1/√2. A PC-DARTS β row counts with its cell type. Π_S(α) is a constant target (it is
piecewise constant in α). c = search progress, 0 at the first batch, 1 at the last.
"""

from __future__ import annotations

import torch

from darts_lab.arch.architecture import Architecture
from darts_lab.config import check
from darts_lab.regularizer.base import Regularizer


class Proximity(Regularizer):
    def __init__(self, rho: float = 0.1) -> None:
        super().__init__()
        check("regularizer.rho", rho, lambda v: v >= 0, "a number >= 0")
        self.rho = rho
        self._last: dict[str, torch.Tensor | float] = {}

    def penalty(self, arch: Architecture, progress: float) -> torch.Tensor:
        weights = arch.weights()
        target = arch.projection(weights)
        gaps = arch.per_cell_type({k: weights[k] - target[k] for k in weights})
        distance = sum(gap.norm() for gap in gaps.values())
        term = progress * self.rho / 2 * distance
        self._last = {
            "prox/c": progress,
            "prox/distance": distance.detach(),
            "prox/term": term.detach(),
        }
        return term

    def metrics(self) -> dict[str, torch.Tensor | float]:
        return self._last
