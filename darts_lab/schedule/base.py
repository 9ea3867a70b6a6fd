"""The interface the search step uses to decide when an architecture step happens."""

from __future__ import annotations

import torch
from torch import nn


class Schedule(nn.Module):
    """Decides, after each weight step, whether an α-step follows.

    State lives in buffers so it travels with the Lightning checkpoint and the device.
    `expected_ratio` (w-steps per α-step) sets the w-train / α-val split: r / (r + 1).
    """

    expected_ratio: float = 1.0

    def observe(self, fimt: torch.Tensor) -> None:
        """See tr(G Gᵀ) of the weight gradient G of the w-step just taken."""

    def arch_step_due(self) -> bool:
        raise NotImplementedError
