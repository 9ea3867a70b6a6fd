"""DARTS-PRIME ADMM regularization (S1.2, eq. S1-S5), as the authors' code runs it
(k8lion/DARTS-PRIME, model_admm_hard_statebn.py and train_scheduled_hard_statebn.py), with
a = activate(α), m = the not-pruned mask:

    α-loss  += (ρ_a / 2) · Σ_cell ‖(a − z + u) ⊙ m‖₂             one unsquared norm per cell type
    after every (every − 1) α-steps:  z ← Π_S(activate(α + u))     on the raw α
                                      u ← (λ_u · u + α − z) ⊙ m    raw α again
    z starts as a copy of the raw α, u at 0; λ_u = 1 (the code's default, never overridden).

The update period is `every − 1` because the code tests `(counter + 1) % every == 0` on a counter
of α-steps that it then resets: with every = 10, z and u move after each 9 α-steps. The paper's
equations as printed are `regularizer=admm_paper` (admm_paper.py), a subclass that changes the
four decisions below (start, penalty, update, period).
"""

from __future__ import annotations

import torch

from darts_lab.arch.architecture import Architecture, Weights
from darts_lab.config import check
from darts_lab.regularizer.base import Regularizer


class Admm(Regularizer):
    def __init__(self, rho: float = 0.1, every: int = 10, discount: float = 1.0) -> None:
        super().__init__()
        check("regularizer.rho", rho, lambda v: v >= 0, "a number >= 0")
        low = self.steps_short_of_every + 1  # at least one α-step between updates
        check(
            "regularizer.every",
            every,
            lambda v: isinstance(v, int) and v >= low,
            f"an integer >= {low}",
        )
        check("regularizer.discount", discount, lambda v: 0 <= v <= 1, "a number in [0, 1]")
        self.rho, self.discount = rho, discount
        self.period = every - self.steps_short_of_every
        self.z: Weights = {}
        self.u: Weights = {}
        self.arch_steps = 0  # α-steps since the last z, u update
        self._residual: torch.Tensor | float = 0.0

    steps_short_of_every = 1  # the code's period is every − 1 α-steps

    def initial_z(self, arch: Architecture) -> Weights:
        return {k: a.detach().clone() for k, a in arch.alphas.items()}  # the raw α

    def _start(self, arch: Architecture) -> None:
        if not self.z:
            self.z = self.initial_z(arch)
            self.u = {k: torch.zeros_like(z) for k, z in self.z.items()}

    def penalty(self, arch: Architecture, progress: float) -> torch.Tensor:
        self._start(arch)
        weights = arch.weights()
        return (
            self.rho / 2 * self.norm(arch, {k: weights[k] - self.z[k] + self.u[k] for k in weights})
        )

    def norm(self, arch: Architecture, gap: Weights) -> torch.Tensor:
        """One unsquared norm per cell type of the not-pruned entries, summed."""
        alive = arch.alive()
        masked = arch.per_cell_type({k: g * alive[k] for k, g in gap.items()})
        return sum(v.norm() for v in masked.values())

    @torch.no_grad()
    def after_arch_step(self, arch: Architecture) -> None:
        self._start(arch)
        self.arch_steps += 1
        if self.arch_steps == self.period:
            self.arch_steps = 0
            self.z, self.u = self._updated(arch)
        weights = arch.weights()  # ‖a − z‖₂: how far the weights are from their target
        self._residual = torch.cat([(weights[k] - self.z[k]).flatten() for k in weights]).norm()

    def _updated(self, arch: Architecture) -> tuple[Weights, Weights]:
        """z ← Π_S(activate(α + u)), u ← (λ_u · u + α − z) ⊙ m, on the raw α."""
        raw = {k: a.detach() for k, a in arch.alphas.items()}
        z = arch.projection(arch.activate({k: raw[k] + self.u[k] for k in raw}))
        alive = arch.alive()
        return z, {k: (self.discount * self.u[k] + raw[k] - z[k]) * alive[k] for k in raw}

    def metrics(self) -> dict[str, torch.Tensor | float]:
        return {"admm/residual": self._residual} if self.z else {}

    def _apply(self, fn, recurse: bool = True):  # noqa: ANN001, ANN202
        """z and u are plain tensors in the extra state, not buffers: move them with the module
        (a checkpoint restored on one device and trained on another)."""
        self.z = {k: fn(v) for k, v in self.z.items()}
        self.u = {k: fn(v) for k, v in self.u.items()}
        return super()._apply(fn, recurse)

    def get_extra_state(self) -> dict:
        return {"z": self.z, "u": self.u, "arch_steps": self.arch_steps}

    def set_extra_state(self, state: dict) -> None:
        self.z, self.u, self.arch_steps = state["z"], state["u"], state["arch_steps"]
