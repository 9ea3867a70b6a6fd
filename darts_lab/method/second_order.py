"""Second-order (unrolled) DARTS (quark0/darts `architect.py --unrolled`; the rule itself is
darts_lab/arch_gradient/second_order.py). As in DARTS the α-step comes first and unrolls the
iteration's coming w-step, so under a FIMT schedule it is decided on the previous w-step's trace,
as DARTS-PRIME's code does. Single-level ERM and GDAS have no second-order form (they are other
methods here)."""

from __future__ import annotations

from typing import Any

from darts_lab.arch_gradient.second_order import Unrolled
from darts_lab.config import ConfigError
from darts_lab.method.darts import Darts
from darts_lab.search_space.base import SearchSpace


class SecondOrderDarts(Darts):
    arch_step_first = True

    def __init__(self, r: float = 0.01) -> None:
        super().__init__()
        self.gradient = Unrolled(r)

    def check(self, space: SearchSpace, activation: Any, recompute_edges: bool) -> None:
        super().check(space, activation, recompute_edges)
        if recompute_edges:  # the recomputation would use the real w, not the virtual w'
            raise ConfigError(
                "method=second_order differentiates through substituted weights, which "
                "perf.recompute_edges would not see in its recomputation; turn one of them off"
            )
