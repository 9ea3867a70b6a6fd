"""GDAS (Dong & Yang 2019): every training forward computes one op per edge, drawn by a hard
Gumbel-softmax sample of the op weights (darts_lab/arch/gumbel.py: straight-through gradient,
τ linear tau_max → tau_min over the epochs); validation computes the strongest op. First-order
α-gradient, bilevel. With activation=simplex arch_optimizer=eg it is GAEA GDAS."""

from __future__ import annotations

import torch.nn.functional as F

from darts_lab.arch.architecture import Architecture
from darts_lab.arch.gumbel import Gumbel
from darts_lab.method.base import Mixing
from darts_lab.method.darts import Darts


class Gdas(Darts):
    # each forward samples its own path: the unrolled passes would differentiate other cells
    takes_unrolled = False

    def __init__(self, tau_max: float = 10.0, tau_min: float = 0.1, hold_epochs: int = 0) -> None:
        super().__init__()
        self.sampler = Gumbel(tau_max, tau_min, hold_epochs)

    def mixing(self, arch: Architecture, sample: bool = True) -> Mixing:
        """A hard Gumbel sample per edge (`sample`), else the one-hot of the strongest op; one
        host sync per op key (the supernet computes only the chosen ops)."""
        weights = arch.weights()
        choices = {}
        for key in arch.op_keys:
            if sample:
                weights[key], index = self.sampler(weights[key])
            else:
                index = weights[key].argmax(dim=-1)
                weights[key] = F.one_hot(index, weights[key].shape[-1]).to(weights[key].dtype)
            choices[key] = index.tolist()
        return weights, choices

    def set_epoch(self, epoch: int, epochs: int) -> None:
        self.sampler.set_epoch(epoch, epochs)

    def metrics(self) -> dict[str, float]:
        return {"arch/tau": float(self.sampler.tau)}
