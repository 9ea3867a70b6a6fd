"""The architecture parameters α of a search, in one place: one [rows, options] tensor per key
(op weights [edges, ops] per cell type; PC-DARTS edge weights β [1, inputs] per node), the
activation that turns each row into weights, which ops are still alive (pruning), and the search
space's projection Π_S. What a forward mixes with (sampled, perturbed) is the method's; rows a
selection has fixed are its pins (arch/pins.py)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from darts_lab.arch.pins import Pins

Weights = dict[str, torch.Tensor]
# (weights, selectable) → Π_S(weights) as 0/1 tensors, from the search space
Projection = Callable[[Weights, Weights], Weights]


class Architecture(nn.Module):
    def __init__(
        self,
        shapes: dict[str, tuple[int, int]],
        activation: nn.Module,
        init_scale: float,
        selectable: Weights,
        project: Projection,
        op_keys: tuple[str, ...] | None = None,
    ) -> None:
        super().__init__()
        self.activation = activation
        self.project = project
        # keys holding op weights [edges, ops] (sampled, logged, entropy); others are β
        self.op_keys = tuple(op_keys if op_keys is not None else shapes)
        self.alphas = nn.ParameterDict(
            {name: nn.Parameter(torch.empty(shape)) for name, shape in shapes.items()}
        )
        for alpha in self.alphas.values():
            activation.init_(alpha, init_scale)
        for name, shape in shapes.items():
            self.register_buffer(f"alive_{name}", torch.ones(shape, dtype=torch.bool))
            self.register_buffer(f"choosable_{name}", selectable[name].clone())
        self.pins: Pins | None = None  # rows a selection holds fixed (`pin`); none by default

    def per_cell_type(self, values: Weights) -> dict[str, torch.Tensor]:
        """Each cell type's values (its op weights and its PC-DARTS β rows) as one flat vector:
        the unit DARTS-PRIME's regularizer norms are taken over."""
        return {
            cell: torch.cat(
                [v.flatten() for k, v in values.items() if k == cell or k.startswith(f"{cell}_")]
            )
            for cell in self.op_keys
        }

    def alive(self) -> Weights:
        """Ops not pruned, per cell type (all of them unless the activation prunes)."""
        return {name: getattr(self, f"alive_{name}") for name in self.alphas}

    def weights(self) -> Weights:
        """Activated op weights per cell type: what the supernet mixes with."""
        return self.activate(dict(self.alphas))

    def activate(self, raw: Weights) -> Weights:
        """The activation applied to values shaped like α (pruned ops get weight 0)."""
        weights = {name: self.activation(alpha) for name, alpha in raw.items()}
        if self.activation.prunes:
            weights = {name: w * self.alive()[name] for name, w in weights.items()}
        return weights

    def pin(self) -> Pins:
        """The pins of every architecture row (made on first use, before any checkpoint is
        restored, so their buffers are part of the module's state from then on)."""
        if self.pins is None:
            self.pins = Pins({k: tuple(a.shape) for k, a in self.alphas.items()})
        return self.pins

    def pinned(self, weights: Weights) -> Weights:
        """The weights with the rows a selection holds fixed (unchanged without pins)."""
        return weights if self.pins is None else self.pins(weights)

    def op_weights(self) -> Weights:
        """Activated op weights only (no edge weights β), detached: for logging and export."""
        weights = self.weights()
        return {k: weights[k].detach() for k in self.op_keys}

    def selectable(self) -> Weights:
        """Ops Π_S may choose: the search space's (not "none") that are still alive."""
        return {
            name: getattr(self, f"choosable_{name}") & getattr(self, f"alive_{name}")
            for name in self.alphas
        }

    @torch.no_grad()
    def projection(self, weights: Weights | None = None) -> Weights:
        """Π_S of the given values (default: the current op weights) as 0/1 tensors."""
        values = weights if weights is not None else self.weights()
        return self.project({k: v.detach() for k, v in values.items()}, self.selectable())

    @torch.no_grad()
    def prune(self) -> bool:
        """Prune, for good, every op whose α ≤ 0 (CRB). Returns whether anything changed."""
        if not self.activation.prunes:
            return False
        changed = False
        for name, alpha in self.alphas.items():
            alive = getattr(self, f"alive_{name}")
            still = alive & (alpha > 0)
            if not torch.equal(still, alive):  # one host sync per α-step, CRB only
                alive.copy_(still)
                changed = True
        return changed

    def num_pruned(self) -> int:
        return sum(int((~a).sum()) for a in self.alive().values())


def mean_entropy(weights: Weights) -> float:
    """Mean over edges (all cell types) of the entropy of each edge's op distribution; rows that
    are not normalised (CRB) are normalised per edge first."""
    rows = torch.cat([w.detach().float() for w in weights.values()]).clamp_min(0)
    p = rows / rows.sum(dim=-1, keepdim=True).clamp_min(1e-30)
    return float(-(p * p.clamp_min(1e-30).log()).sum(dim=-1).mean())
