"""DARTS-PRIME ADMM as printed (eq. S1-S5; `regularizer=admm_paper`), on the activated weights a:

    α-loss  += (ρ_a / 2) · ‖a − z + u‖²₂                          over all cell types
    every `every` α-steps:  z ← Π_S(a + u);  u ← λ_u · u + a − z    (λ_u = 0.8)
    z starts at Π_S(a), u at 0.

The rows' default, `regularizer=admm`, runs it as the authors' code does (admm.py)."""

from __future__ import annotations

import torch

from darts_lab.arch.architecture import Architecture, Weights
from darts_lab.regularizer.admm import Admm


class AdmmPaper(Admm):
    steps_short_of_every = 0  # z and u move every `every` α-steps

    def __init__(self, rho: float = 0.1, every: int = 10, discount: float = 0.8) -> None:
        super().__init__(rho, every, discount)

    def initial_z(self, arch: Architecture) -> Weights:
        return arch.projection()

    def norm(self, arch: Architecture, gap: Weights) -> torch.Tensor:
        """The squared norm over every cell type, pruned entries included."""
        return sum((g**2).sum() for g in gap.values())

    def _updated(self, arch: Architecture) -> tuple[Weights, Weights]:
        a = {k: w.detach() for k, w in arch.weights().items()}
        z = arch.projection({k: a[k] + self.u[k] for k in a})
        return z, {k: self.discount * self.u[k] + a[k] - z[k] for k in a}
