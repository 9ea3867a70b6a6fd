"""DARTS cell genotypes and the discretization Π_S (DARTS-PRIME §2, eq. 1-4).

A cell has 2 input nodes (c_{k-2}, c_{k-1}) and `steps` intermediate nodes; node i (0-based among
the intermediate ones) has one incoming edge from each of its i + 2 predecessors, so edges are
ordered node by node: (0→2), (1→2), (0→3), (1→3), (2→3), ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from darts_lab.search_space.base import GenotypeBase
from darts_lab.search_space.ops import OPS  # the ops the retraining network builds

CellGenes = list[list[tuple[str, int]]]  # per intermediate node: [(op, input node), ...]


def edge_endpoints(steps: int) -> list[tuple[int, int]]:
    """Edge index → (from node, to node), nodes numbered 0, 1 (inputs), 2.. (intermediate)."""
    return [(j, i + 2) for i in range(steps) for j in range(i + 2)]


def project_indices(
    weights: torch.Tensor, steps: int, selectable: torch.Tensor, k: int = 2
) -> list[list[tuple[int, int]]]:
    """Π_S as indices: per node the k strongest incoming edges, each with its strongest op.

    Edge strength is the largest selectable op weight on that edge ("none" and pruned ops are not
    selectable). Every incoming edge of a node has its own source, so k distinct edges are k
    distinct sources. Ties go to the lower source index, then the lower op index.
    Returns per node [(edge index, op index), ...], strongest edge first.
    """
    w = weights.detach().to("cpu", torch.float64).masked_fill(~selectable.cpu(), float("-inf"))
    nodes, offset = [], 0
    for i in range(steps):
        block = w[offset : offset + i + 2]
        strength = block.max(dim=1).values
        order = sorted(range(i + 2), key=lambda j: (-float(strength[j]), j))
        kept = [j for j in order if strength[j] > float("-inf")][:k]
        nodes.append([(offset + j, int(block[j].argmax())) for j in kept])
        offset += i + 2
    return nodes


def project_onehot(
    weights: torch.Tensor, steps: int, selectable: torch.Tensor, k: int = 2
) -> torch.Tensor:
    """Π_S(α) as a 0/1 tensor shaped like α: the discrete architecture in α-space. The same
    choice as `project_indices` (ties to the lower source, then the lower op: a stable sort and
    argmax's first maximum), computed where α lives: no host transfer, as the proximity
    regularizer calls it every α-step."""
    w = weights.detach().masked_fill(~selectable.to(weights.device), float("-inf"))
    strength, op = w.max(dim=1).values, w.argmax(dim=1)
    onehot = torch.zeros_like(weights)
    offset = 0
    for i in range(steps):
        block = strength[offset : offset + i + 2]
        order = torch.sort(block, descending=True, stable=True).indices[:k]
        edges = order + offset
        onehot[edges, op[edges]] = torch.isfinite(block[order]).to(onehot.dtype)
        offset += i + 2
    return onehot


def cell_genes(
    weights: torch.Tensor,
    ops: Sequence[str] | Sequence[Sequence[str]],
    steps: int,
    selectable: torch.Tensor,
) -> CellGenes:
    """Π_S as genes; `ops`: the op names of every edge, or one list per edge (edge_ops.py)."""
    ends = edge_endpoints(steps)
    names = [ops] * len(weights) if isinstance(ops[0], str) else ops
    return [
        [(names[edge][op], ends[edge][0]) for edge, op in node]
        for node in project_indices(weights, steps, selectable)
    ]


def concat_problems(cell: str, concat: Sequence[int], nodes: int) -> list[str]:
    """A cell's output concat: at least one node, each a node of the cell, none twice."""
    if not concat:
        return [f"{cell}: the concat is empty"]
    found = [f"{cell}: concat node {i} is not one of 0..{nodes - 1}" for i in concat
             if not 0 <= i < nodes]  # fmt: skip
    if len(set(concat)) != len(concat):
        found.append(f"{cell}: the concat {list(concat)} repeats a node")
    return found


@dataclass(frozen=True)
class Genotype(GenotypeBase):
    """A discrete DARTS architecture: one normal and one reduction cell."""

    json_key = "normal"
    retrainable = True
    normal: CellGenes
    normal_concat: list[int]
    reduce: CellGenes
    reduce_concat: list[int]

    def to_json(self) -> dict:
        return {
            "normal": [[list(g) for g in node] for node in self.normal],
            "normal_concat": list(self.normal_concat),
            "reduce": [[list(g) for g in node] for node in self.reduce],
            "reduce_concat": list(self.reduce_concat),
        }

    @classmethod
    def from_json(cls, data: dict) -> Genotype:
        def genes(cell: list) -> CellGenes:
            return [[(str(op), int(src)) for op, src in node] for node in cell]

        return cls(
            genes(data["normal"]),
            [int(i) for i in data["normal_concat"]],
            genes(data["reduce"]),
            [int(i) for i in data["reduce_concat"]],
        )

    def cells(self) -> dict[str, tuple[CellGenes, list[int], int]]:
        """For drawing: per cell type its genes, output concat and number of input nodes."""
        return {
            "normal": (self.normal, self.normal_concat, 2),
            "reduce": (self.reduce, self.reduce_concat, 2),
        }

    def problems(self) -> list[str]:
        """Each node: two (op, input) genes, an op of OPS, an input among the nodes before it;
        the concat: distinct nodes of the cell (the retraining network's EvalCell)."""
        found = []
        for cell, (genes, concat, inputs) in self.cells().items():
            for n, node in enumerate(genes, start=inputs):
                where = f"{cell} node {n}"
                if len(node) != 2:
                    found.append(f"{where} has {len(node)} inputs, not 2")
                for op, src in node:
                    if op not in OPS:
                        found.append(f"{where}: unknown op {op!r} (ops: {', '.join(OPS)})")
                    if not 0 <= src < n:
                        found.append(f"{where}: input node {src} is not one of 0..{n - 1}")
            found += concat_problems(cell, concat, len(genes) + inputs)
        return found

    def __str__(self) -> str:
        """The flat form quark0/darts prints, so genotypes can be pasted into its genotypes.py."""

        def flat(cell: CellGenes) -> list[tuple[str, int]]:
            return [gene for node in cell for gene in node]

        return (
            f"Genotype(normal={flat(self.normal)}, normal_concat={self.normal_concat}, "
            f"reduce={flat(self.reduce)}, reduce_concat={self.reduce_concat})"
        )
