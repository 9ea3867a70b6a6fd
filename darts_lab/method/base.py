"""A search method: what one iteration of DARTS-PRIME's Algorithm 1 does between "take a
w-step" and "take an α-step when the schedule says so".

A method decides the order of the two steps, whether α has data of its own (bilevel) or shares
the training set (single level), what op weights each forward mixes with (plain, sampled,
perturbed, ...), what its α-step differentiates, what it logs and which combinations it
refuses. It sees the search through a `StepContext`, never the LightningModule. The α-gradient
rule (first or second order) is a config group of its own (conf/arch_gradient/), and terms
added to the α loss are regularizers (conf/regularizer/).
DARTS (darts.py) is the default; every other method (conf/method/ lists them) is a small
subclass of it. A new method is one module here and one yaml in conf/method/.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import nn

from darts_lab.arch_gradient.base import Choices, Mixing, StepContext, Weights
from darts_lab.config import ConfigError

if TYPE_CHECKING:
    from darts_lab.arch.activation import Domain
    from darts_lab.arch.architecture import Architecture
    from darts_lab.search_space.base import SearchSpace


class SearchMethod(nn.Module):
    """The DARTS iteration; subclasses change one decision each. An nn.Module, so any state a
    method keeps (GDAS's temperature) travels in the checkpoint."""

    arch_step_first: ClassVar[bool] = False  # Algorithm 1: the schedule sees the w-step first
    single_level: ClassVar[bool] = False  # bilevel: α-steps on the α-val split
    # the activation domains (arch/activation.py) whose weights it can work with; None: any
    activation_domains: ClassVar[tuple[Domain, ...] | None] = None
    space_inputs: ClassVar[tuple[str, ...] | None] = None  # image and/or text cells; None: any
    needs_ops: ClassVar[tuple[str, ...]] = ()  # ops the search space must search over
    # an unrolled α-gradient (arch_gradient=second_order) needs a method whose α loss is DARTS's
    # bilevel validation loss of a mixture it can recompute at the virtual w
    takes_unrolled: ClassVar[bool] = True

    @classmethod
    def missing_ops(cls, ops: list[str]) -> list[str]:
        """The ops it needs that `ops` lacks."""
        return [op for op in cls.needs_ops if op not in ops]

    def check(self, space: SearchSpace, activation: Any, recompute_edges: bool) -> None:
        """Raise ConfigError (one line) for a combination this method cannot do beyond what it
        declares above (darts_lab/combination.py refuses those first, naming the options; the
        ops are checked here too, for a module built by hand)."""
        if missing := self.missing_ops(space.ops_on_every_edge()):
            raise ConfigError(
                f"{type(self).__name__} needs the op(s) {', '.join(missing)} on every edge; "
                f"the space's there: {', '.join(space.ops_on_every_edge())}"
            )

    def mixing(self, arch: Architecture, sample: bool = True) -> Mixing:
        """The op weights a training forward mixes with (and, single-path, the ops computed)."""
        return arch.weights(), None

    def w_mixing(self, ctx: StepContext, batch: Any) -> Mixing:
        """The w-step's on its batch (α held fixed); a perturbation of the weights goes here."""
        weights, choices = self.mixing(ctx.arch)
        return {k: w.detach() for k, w in weights.items()}, choices

    def validation_mixing(self, arch: Architecture) -> Mixing:
        """Validation's: deterministic."""
        return self.mixing(arch, sample=False)

    def arch_gradient(
        self, ctx: StepContext, arch_batch: Any, w_batch: Any, penalty: torch.Tensor
    ) -> torch.Tensor:
        """∇α into α.grad by the configured rule (ctx.gradient), at this method's mixing."""
        return ctx.gradient.backward(
            ctx, lambda batch: self.mixing(ctx.arch), arch_batch, w_batch, penalty
        )

    def set_epoch(self, epoch: int, epochs: int) -> None:
        """An epoch starts."""

    def arch_frozen(self, epoch: int, epochs: int, warmup: int) -> bool:
        """No α-step in this epoch of `epochs`: the first `warmup` (`arch_warmup_epochs`)."""
        return epoch < warmup

    def metrics(self) -> dict[str, float]:
        """What the method logs once per epoch."""
        return {}


__all__ = ["Choices", "Mixing", "SearchMethod", "StepContext", "Weights"]
