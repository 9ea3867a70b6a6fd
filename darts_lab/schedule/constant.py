"""A constant schedule: one α-step after every `every`-th w-step (DARTS-PRIME's CS10: every=10)."""

from __future__ import annotations

import torch

from darts_lab.config import check
from darts_lab.schedule.base import Schedule


class Constant(Schedule):
    _state = ("w_steps",)

    def __init__(self, every: int = 10) -> None:
        super().__init__()
        check("schedule.every", every, lambda v: isinstance(v, int) and v >= 1, "an integer >= 1")
        self.every = every
        self.expected_ratio = float(every)
        self.w_steps = 0

    def observe(self, fimt: torch.Tensor) -> None:
        self.w_steps += 1

    def arch_step_due(self) -> bool:
        return self.w_steps % self.every == 0
