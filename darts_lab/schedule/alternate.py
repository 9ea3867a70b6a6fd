"""DARTS's schedule: one α-step after every w-step."""

from __future__ import annotations

from darts_lab.schedule.base import Schedule


class Alternate(Schedule):
    expected_ratio = 1.0

    def arch_step_due(self) -> bool:
        return True
