"""FairDARTS's zero-one loss (Chu et al. 2020, xiaomi-automl/FairDARTS): with activation=sigmoid
ops do not compete through a softmax — each op's weight is its own gate σ(α) — and the zero-one
loss pushes every gate to 0 or 1: the α loss gains w01 · L01, L01 = −mean over all gates of
(σ(α) − 0.5)² (their default `ConvSeparateLoss`, weight 10). Their w-step loss carries the term
as well, where it moves nothing (the w optimizer holds no α); it is left out of the w-step here.

Π_S: their genotype keeps, per node, the top-2 incoming edges by strongest gate and on each the
strongest op if its gate ≥ 0.85 (a node may then keep fewer than 2 inputs). The genotypes here
take exactly 2 inputs per node (DARTS CNN) or one op per edge (NAS-Bench-201), so Π_S is the
space's own over the gates (the same choice whenever the kept gates pass 0.85), and how many
chosen ops fall below the threshold is logged each epoch (`zero_one/below_threshold`).
activation=sigmoid drops "none" from the ops: a gate on a zero output learns nothing."""

from __future__ import annotations

import torch

from darts_lab.arch.architecture import Architecture
from darts_lab.config import check
from darts_lab.regularizer.base import Regularizer


class ZeroOne(Regularizer):
    activation_domains = ("gates",)

    def __init__(self, w01: float = 10.0, threshold: float = 0.85) -> None:
        super().__init__()
        check("regularizer.w01", w01, lambda v: v >= 0, "a number >= 0")
        check("regularizer.threshold", threshold, lambda v: 0 < v < 1, "a number in (0, 1)")
        self.w01, self.threshold = float(w01), float(threshold)

    @staticmethod
    def zero_one(gates: list[torch.Tensor]) -> torch.Tensor:
        """L01 = −mean((σ − 0.5)²) over every gate of every cell type."""
        return -(torch.cat([g.flatten() for g in gates]) - 0.5).square().mean()

    def penalty(self, arch: Architecture, progress: float) -> torch.Tensor:
        weights = arch.weights()
        return self.w01 * self.zero_one([weights[k] for k in arch.op_keys])

    def epoch_metrics(self, arch: Architecture) -> dict[str, float]:
        """The chosen ops whose gate is below their threshold (0.85)."""
        chosen, gates = arch.projection(), arch.op_weights()
        below = sum(
            int(((gates[k] < self.threshold) & chosen[k].bool()).sum()) for k in arch.op_keys
        )
        return {"zero_one/below_threshold": float(below)}
