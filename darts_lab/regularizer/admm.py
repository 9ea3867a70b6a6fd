"""DARTS-PRIME ADMM regularization (S1.2, eq. S1-S5), on the activated op weights α:

    α-loss  += (ρ_a / 2) · ‖α − z + u‖²₂                    (S1, one first-order step at a time)
    every n α-steps:  z ← Π_S(α + u)                          (S3)
                      u ← λ_u · u + α − z                     (S5: S4 with discount λ_u)

z starts at Π_S(α) and u at 0 (the usual ADMM start), on the first α-step.
"""

from __future__ import annotations

import torch

from darts_lab.arch.architecture import Architecture
from darts_lab.config import check
from darts_lab.regularizer.base import Regularizer


class Admm(Regularizer):
    def __init__(self, rho: float = 0.1, every: int = 10, discount: float = 0.8) -> None:
        super().__init__()
        check("regularizer.rho", rho, lambda v: v >= 0, "a number >= 0")
        check(
            "regularizer.every", every, lambda v: isinstance(v, int) and v >= 1, "an integer >= 1"
        )
        check("regularizer.discount", discount, lambda v: 0 <= v <= 1, "a number in [0, 1]")
        self.rho, self.every, self.discount = rho, every, discount
        self.z: dict[str, torch.Tensor] = {}
        self.u: dict[str, torch.Tensor] = {}
        self.arch_steps = 0

    def _start(self, arch: Architecture) -> None:
        if not self.z:
            self.z = arch.projection()
            self.u = {k: torch.zeros_like(z) for k, z in self.z.items()}

    def penalty(self, arch: Architecture, progress: float) -> torch.Tensor:
        self._start(arch)
        weights = arch.weights()
        return (
            self.rho / 2 * sum(((weights[k] - self.z[k] + self.u[k]) ** 2).sum() for k in weights)
        )

    @torch.no_grad()
    def after_arch_step(self, arch: Architecture) -> None:
        self._start(arch)
        self.arch_steps += 1
        weights = {k: w.detach() for k, w in arch.weights().items()}
        if self.arch_steps % self.every == 0:
            self.z = arch.projection({k: weights[k] + self.u[k] for k in weights})
            self.u = {k: self.discount * self.u[k] + weights[k] - self.z[k] for k in weights}
        # ‖α − z‖₂: how far α is from its discrete target
        self._residual = torch.cat([(weights[k] - self.z[k]).flatten() for k in weights]).norm()

    def metrics(self) -> dict[str, torch.Tensor | float]:
        return {"admm/residual": self._residual} if self.z else {}

    def get_extra_state(self) -> dict:
        return {"z": self.z, "u": self.u, "arch_steps": self.arch_steps}

    def set_extra_state(self, state: dict) -> None:
        self.z, self.u, self.arch_steps = state["z"], state["u"], state["arch_steps"]
