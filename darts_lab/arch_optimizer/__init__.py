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

from hydra.utils import get_class

ADDITIVE = ("logits", "box", "gates")


def accepted_domains(target: str) -> tuple[str, ...]:
    """The parameter domains the optimizer `target` (a `_target_` path) keeps its iterates in."""
    return tuple(getattr(get_class(target), "domains", ADDITIVE))
