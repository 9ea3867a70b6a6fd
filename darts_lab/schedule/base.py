"""The interface the search step uses to decide when an architecture step happens."""

from __future__ import annotations

import torch
from torch import nn


class Schedule(nn.Module):
    """Decides, after each weight step, whether an α-step follows.

    `expected_ratio` r (w-steps per α-step) sets the w-train / α-val split: r / (r + 1).
    State named in `_state` travels in the module's state_dict (so in Lightning checkpoints).
    """

    expected_ratio: float = 1.0
    _state: tuple[str, ...] = ()

    def observe(self, fimt: torch.Tensor) -> None:
        """See tr(G Gᵀ) of the weight gradient G of the w-step just taken."""

    def arch_step_due(self) -> bool:
        raise NotImplementedError

    def metrics(self) -> dict[str, float]:
        """Per-step values worth logging (FIMT, threshold, ...)."""
        return {}

    def get_extra_state(self) -> dict:
        return {key: getattr(self, key) for key in self._state}

    def set_extra_state(self, state: dict) -> None:
        for key, value in state.items():
            setattr(self, key, value)
