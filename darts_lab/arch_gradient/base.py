"""What an α-gradient rule sees and does (conf/arch_gradient/ ↔ darts_lab/arch_gradient/): the
search's `StepContext` in, ∇α(α loss + penalty) left in α.grad. The rule is chosen by config
apart from the method, which decides what each forward mixes (`mixing`) and what is added to
the α loss; the rule decides at which w the gradient is taken."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import torch
from torch.optim import Optimizer

if TYPE_CHECKING:
    from darts_lab.arch.architecture import Architecture
    from darts_lab.search_space.base import SearchSpace
    from darts_lab.task.base import Task

Weights = dict[str, torch.Tensor]
Choices = dict[str, list[int]] | None  # per op key, the op each edge computes (single path)
Mixing = tuple[Weights, Choices]


class ArchGradient(Protocol):
    """How the α-step's gradient is taken."""

    # the α-step comes before the iteration's w-step (second order unrolls that coming w-step)
    arch_step_first: ClassVar[bool]
    unrolled: ClassVar[bool]  # through a virtual w-step: methods may refuse it (method/base.py)

    def check(self, recompute_edges: bool) -> None:
        """Raise ConfigError (one line) for a setting the rule cannot work with."""
        ...

    def backward(
        self,
        ctx: StepContext,
        mixing: Callable[[Any], Mixing],
        arch_batch: Any,
        w_batch: Any,
        penalty: torch.Tensor,
    ) -> torch.Tensor:
        """Leave ∇α(α loss + penalty) in α.grad; return the α loss (detached) for logging.
        `mixing(batch)`: the op weights a forward on that batch mixes with."""
        ...


@dataclass
class StepContext:
    """What a method may touch during a step."""

    net: SearchSpace
    task: Task
    arch: Architecture
    w_optimizer: Optimizer
    arch_backward: Callable[[torch.Tensor], None]  # ∇α of a loss into α.grad (DDP-averaged)
    set_arch_grad: Callable[[list[torch.Tensor]], None]  # an α-gradient computed elsewhere
    gradient: ArchGradient  # the α-gradient rule (conf/arch_gradient/)
