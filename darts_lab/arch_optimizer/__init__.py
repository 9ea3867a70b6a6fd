"""Architecture optimizers are torch.optim.Optimizer objects over the Architecture's parameters.

DARTS's Adam and plain SGD are torch's own (conf/arch_optimizer/adam.yaml, sgd.yaml); GAEA's
exponentiated gradient lives here (eg.py, used with activation=simplex).
Being torch optimizers, their state is checkpointed by Lightning like any other.

Each optimizer accepts parameters of certain domains (arch/activation.py): an optimizer class may
declare `domains`; torch's own additive optimizers work on logits, on FairDARTS's sigmoid gates
and on the CRB box (the activation clips), never on the simplex, which an additive step would
leave.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hydra.utils import get_class
from torch import nn
from torch.optim import Optimizer

from darts_lab.arch.activation import Domain

ADDITIVE: tuple[Domain, ...] = ("logits", "box", "gates")
# what Hydra's partial `arch_optimizer` config is: parameters in, a torch optimizer out
OptimizerFactory = Callable[[Iterable[nn.Parameter]], Optimizer]


def accepted_domains(target: str) -> tuple[Domain, ...]:
    """The parameter domains the optimizer `target` (a `_target_` path) keeps its iterates in."""
    return tuple(getattr(get_class(target), "domains", ADDITIVE))
