"""What a perturbation selection decides, and in which order (DARTS-PT's `pt_project`).

Per cell type, first the op of every edge (a row of its op weights), in an order drawn from the
run's seed, then the inputs of every node whose inputs Π_S chooses (the space's `node_inputs`:
DARTS's second pass, NB1Shot1's input weights), in an order drawn likewise. Decision k of every
cell type is taken at once (DARTS-PT fixes a normal and a reduction edge together): the k-th
*event*. Each decision lists its trials (what is held while the supernet is scored without one
candidate) and, once ranked, what is held for good.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from darts_lab.search_space.base import NodeInputs, SearchSpace, Slot

Hold = tuple[str, int, torch.Tensor]  # (architecture key, row, the row's values)
Weights = dict[str, torch.Tensor]


@dataclass(frozen=True)
class Trial:
    label: str  # the candidate taken away
    holds: tuple[Hold, ...]


@dataclass(frozen=True)
class OpChoice:
    """One edge keeps one op: each trial zeroes one selectable op's weight on the row (the
    others keep theirs, not renormalised); the kept op's row becomes its one-hot."""

    cell: str
    row: int
    keep = 1

    def trials(self, weights: Weights, selectable: Weights, ops: list[str]) -> list[Trial]:
        row = weights[self.cell][self.row]
        options = torch.nonzero(selectable[self.cell][self.row]).flatten().tolist()
        return [Trial(ops[o], ((self.cell, self.row, row * (torch.arange(len(row)) != o).to(row)),))
                for o in options]  # fmt: skip

    def outcome(self, weights: Weights, kept: list[str], ops: list[str]) -> list[Hold]:
        row = torch.zeros_like(weights[self.cell][self.row])
        row[ops.index(kept[0])] = 1
        return [(self.cell, self.row, row)]

    def describe(self, edges: list[tuple[int, int]]) -> dict:
        return {"cell": self.cell, "edge": list(edges[self.row])}


def dropped(weights: Weights, slot: Slot) -> torch.Tensor:
    """The slot's row with that input taken away (a whole row: zeros)."""
    key, row, option = slot
    values = weights[key][row].clone()
    values[slice(None) if option is None else option] = 0
    return values


def slot_label(slot: Slot, edges: list[tuple[int, int]]) -> str:
    key, row, option = slot
    return f"{edges[row][0]}->{edges[row][1]}" if option is None else f"{key}[{option}]"


@dataclass(frozen=True)
class InputChoice:
    """A node keeps `node.keep` of its inputs: each trial drops one (all others in place); the
    dropped inputs are zeroed for good, a kept input weight becomes 1 (a kept edge keeps its
    one-hot row)."""

    node: NodeInputs
    edges: tuple[tuple[int, int], ...]

    @property
    def keep(self) -> int:
        return self.node.keep

    def trials(self, weights: Weights, selectable: Weights, ops: list[str]) -> list[Trial]:
        return [
            Trial(slot_label(s, list(self.edges)), ((s[0], s[1], dropped(weights, s)),))
            for s in self.node.slots
        ]

    def outcome(self, weights: Weights, kept: list[str], ops: list[str]) -> list[Hold]:
        rows = {(key, row): weights[key][row].clone() for key, row, _ in self.node.slots}
        for slot in self.node.slots:
            key, row, option = slot
            if slot_label(slot, list(self.edges)) not in kept:
                rows[key, row][slice(None) if option is None else option] = 0
            elif option is not None:
                rows[key, row][option] = 1
        return [(key, row, values) for (key, row), values in rows.items()]

    def describe(self, edges: list[tuple[int, int]]) -> dict:
        return {"cell": self.node.cell, "inputs": [slot_label(s, edges) for s in self.node.slots]}


Decision = OpChoice | InputChoice
ORDERS: dict[str, Callable[[int, torch.Generator], list[int]]] = {
    "random": lambda n, gen: torch.randperm(n, generator=gen).tolist(),
    "in_order": lambda n, gen: list(range(n)),
}


def decision_plan(net: SearchSpace, order: str, seed: int) -> list[list[Decision]]:
    """The events, in order; each holds one decision per cell type that still has one."""
    gen = torch.Generator().manual_seed(seed)  # its own: the search's generators are untouched
    rows, nodes, edges = net.arch_shapes(), net.node_inputs(), tuple(net.edges())
    per_cell = []
    for cell in net.cell_types:
        ops = [OpChoice(cell, r) for r in ORDERS[order](rows[cell][0], gen)]
        mine = [InputChoice(n, edges) for n in nodes if n.cell == cell]
        per_cell.append(ops + [mine[i] for i in ORDERS[order](len(mine), gen)])
    length = max(len(decisions) for decisions in per_cell)
    return [[d[k] for d in per_cell if k < len(d)] for k in range(length)]


def due_epoch(event: int, interval: float) -> int:
    """The selection epoch whose start takes event k: ⌊k · proj_intv⌋ (DARTS-PT: an edge every
    proj_intv epochs; a fraction takes several events at one epoch start)."""
    return math.floor(event * interval + 1e-9)
