"""DARTS-PRIME's dynamic schedule (Algorithm 1, eq. 6-7): an α-step whenever the EMA of the
Fisher Information Matrix Trace of the weight gradients falls below an adaptive threshold h.

    F̄_n = λ · tr(G Gᵀ) + (1 − λ) · F̄_{n−1}
    if F̄_n < h: α-step, h ← h · h_d      else: h ← h · h_i

The threshold-decreasing factor. Algorithm 1 prints h_d = exp(−r ln h_i), while the text asks
that h_d make the expected w:α step ratio r under a constant F̄. Under a constant F̄ the threshold
settles into a cycle of k increases and one decrease with h_i^k · h_d = 1, and each cycle takes
k + 1 w-steps. The printed formula gives k = r, i.e. r + 1 w-steps per α-step (11 for r = 10);
the stated property needs k = r − 1:

    h_d = exp(−(r − 1) ln h_i) = h_i^(1 − r)

which is what we use (tests/test_fimt.py checks the long-run ratio).

F̄ starts at the first trace (no zero-initialised EMA bias). Each step reads tr(G Gᵀ) to the host
once: the decision needs it.
"""

from __future__ import annotations

import math

import torch

from darts_lab.config import check
from darts_lab.schedule.base import Schedule


class Fimt(Schedule):
    _state = ("ema", "h", "trace", "threshold", "due")

    def __init__(
        self, r: float = 10.0, h0: float = 1.0, h_i: float = 1.05, lam: float = 0.2
    ) -> None:
        super().__init__()
        finite = math.isfinite
        check("schedule.r", r, lambda v: finite(v) and v >= 1, "a number >= 1")
        check("schedule.h0", h0, lambda v: finite(v) and v > 0, "a number > 0")
        check("schedule.h_i", h_i, lambda v: finite(v) and v >= 1, "a number >= 1")
        check("schedule.lam", lam, lambda v: 0 < v <= 1, "a number in (0, 1]")
        self.expected_ratio = float(r)
        self.lam, self.h_i = lam, h_i
        self.h_d = math.exp(-(r - 1) * math.log(h_i))
        self.h = float(h0)
        self.ema: float | None = None
        self.trace = self.threshold = math.nan
        self.due = False

    def observe(self, fimt: torch.Tensor) -> None:
        self.trace = float(fimt)  # the one host sync of the step
        self.ema = (
            self.trace if self.ema is None else (self.lam * self.trace + (1 - self.lam) * self.ema)
        )
        self.threshold = self.h
        self.due = self.ema < self.h
        self.h *= self.h_d if self.due else self.h_i

    def arch_step_due(self) -> bool:
        return self.due

    def metrics(self) -> dict[str, float]:
        return {
            "fimt/trace": self.trace,
            "fimt/ema": self.ema,
            "fimt/threshold": self.threshold,
            "fimt/arch_step": float(self.due),
        }
