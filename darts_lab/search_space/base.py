"""The contract between a search space and the rest of darts_lab.

A search space is a supernet (`nn.Module`) that mixes candidate ops with the op weights it is
given and never sees α itself. A new space is one module subclassing `SearchSpace` plus one yaml
in conf/search_space/; nothing else in the tree names it. Its genotype type registers itself by
the key it writes into genotype.json, so `read_genotype` finds it.
"""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import torch
from torch import nn

from darts_lab.search_space.ops import CandidateOps

Weights = Mapping[str, torch.Tensor]
Slot = tuple[str, int, int | None]  # (architecture key, row, option; None: the whole row)


@dataclass(frozen=True)
class NodeInputs:
    """A node that keeps `keep` of its candidate inputs (Π_S's edge choice), for a selection
    that decides it input by input (darts_lab/selection/): dropping input i zeroes `slots[i]`."""

    cell: str  # the cell type the node belongs to
    slots: tuple[Slot, ...]
    keep: int


@dataclass(frozen=True)
class Capabilities:
    """What a space can do beyond mixing ops; build() refuses options that need more."""

    partial_channels: bool = False  # PC-DARTS: 1/K of the channels through the mixed ops
    edge_weights: bool = False  # PC-DARTS: β per node over its incoming edges
    node_batchnorm: bool = False  # a non-affine BatchNorm after each node's sum (CRB)
    pruning: bool = False  # ops can leave the supernet for good (`set_alive`, CRB)

    def lacks(self, needs: tuple[str, ...]) -> list[str]:
        """The named capabilities this space does not have."""
        known = {f.name for f in fields(self)}
        return [n for n in needs if n not in known or not getattr(self, n)]


class GenotypeBase(ABC):
    """A discrete architecture. Subclasses name the key their JSON form carries (`json_key`)
    and so register themselves for `genotype_from_json`."""

    json_key: ClassVar[str]
    retrainable: ClassVar[bool] = False  # darts_lab.train can build and train it
    inputs: ClassVar[str] = "image"  # what it reads (a retraining preset must take the same)
    registry: ClassVar[dict[str, type[GenotypeBase]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "json_key" in cls.__dict__:
            GenotypeBase.registry[cls.json_key] = cls

    @abstractmethod
    def to_json(self) -> dict: ...

    @classmethod
    @abstractmethod
    def from_json(cls, data: dict) -> GenotypeBase: ...

    @abstractmethod
    def cells(self) -> dict[str, tuple[list[list[tuple[str, int]]], list[int], int]]:
        """For drawing: per cell its genes per node, output nodes and number of input nodes."""

    def problems(self) -> list[str]:
        """What keeps this architecture from being built, one line each (an unknown op, an
        input node out of range, a bad concat); [] when it can be. Received genotype.json files
        are checked with it before anything is built."""
        return []


def genotype_from_json(data: dict) -> GenotypeBase:
    """The registered genotype type whose key `data` carries (every module of this package is
    imported first, so a new space's genotype type registers without being named anywhere)."""
    package = importlib.import_module(__package__)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{__package__}.{module.name}")
    for key, cls in GenotypeBase.registry.items():
        if key in data:
            return cls.from_json(data)
    raise ValueError(f"no genotype type knows the keys {sorted(data)}")


class SearchSpace(nn.Module, ABC):
    """A supernet over `ops` whose architecture is one [rows, options] tensor per key."""

    cell_types: ClassVar[tuple[str, ...]]  # keys of the op-weight tensors ([edges, ops])
    capabilities: ClassVar[Capabilities] = Capabilities()
    genotype_type: ClassVar[type[GenotypeBase]]
    tiny: ClassVar[dict[str, int]] = {}  # the smallest sizes worth testing with (tiny_sizes)
    inputs: ClassVar[str] = "image"  # what it reads; the dataset's `kind` must match
    edges_kept: ClassVar[int | None] = None  # Π_S keeps this many edges per node; None: all
    ops: list[str]

    @classmethod
    def tiny_sizes(cls, options: Mapping[str, Any]) -> dict[str, int]:
        """`tiny` for a space configured with `options` (tests, `gpu_check.py --tiny`)."""
        return dict(cls.tiny)

    @abstractmethod
    def arch_shapes(self) -> dict[str, tuple[int, int]]:
        """Rows × options of every architecture tensor (op weights, and e.g. PC-DARTS β)."""

    def op_table(self) -> dict[str, list[list[str]]]:
        """Per cell type, the op names of each edge's α columns: `ops` on every edge, unless the
        space gives each edge a list of its own (DARTS CNN `edge_ops`, R-DARTS S1)."""
        shapes = self.arch_shapes()
        return {k: [list(self.ops)] * shapes[k][0] for k in self.cell_types}

    def ops_on_every_edge(self) -> list[str]:
        """The ops every edge of every cell type offers (what a method needing an op on each
        edge, DARTS-'s skip, can count on)."""
        rows = [row for rows in self.op_table().values() for row in rows]
        return [op for op in rows[0] if all(op in row for row in rows)]

    def selectable(self) -> dict[str, torch.Tensor]:
        """Per key, a bool mask of what Π_S may choose (e.g. not "none"); by default every
        option of every architecture tensor (NB201, NB1Shot1)."""
        return {k: torch.ones(shape, dtype=torch.bool) for k, shape in self.arch_shapes().items()}

    @abstractmethod
    def project(self, weights: Weights, selectable: Weights) -> dict[str, torch.Tensor]:
        """Π_S in α-space: per key a 0/1 tensor holding the derived architecture."""

    @abstractmethod
    def discretize(self, weights: Weights, selectable: Weights | None = None) -> GenotypeBase:
        """Π_S as this space's genotype."""

    def node_inputs(self) -> list[NodeInputs]:
        """The nodes whose inputs Π_S chooses: with `edges_kept` = k, every node with more than
        k incoming edges (an edge is a row of each cell type's op weights; DARTS: k = 2); none
        when every edge is kept (NB201)."""
        k, ends = self.edges_kept, self.edges()
        if k is None:
            return []
        nodes = sorted({to for _, to in ends})
        rows = {node: [e for e, (_, to) in enumerate(ends) if to == node] for node in nodes}
        return [
            NodeInputs(cell, tuple((cell, e, None) for e in rows[node]), k)
            for cell in self.cell_types
            for node in nodes
            if len(rows[node]) > k
        ]

    @abstractmethod
    def edges(self) -> list[tuple[int, int]]:
        """Edge index → (from node, to node), the order of the op-weight rows."""

    @abstractmethod
    def set_alive(self, alive: Weights) -> None:
        """Which ops are still in the search (pruning); the others are never computed."""

    def set_recompute(self, on: bool) -> int:
        """Activation checkpointing of every mixed op (`CandidateOps`); returns how many."""
        edges = [m for m in self.modules() if isinstance(m, CandidateOps)]
        for edge in edges:
            edge.recompute = on
        return len(edges)

    @abstractmethod
    def forward(
        self, x: torch.Tensor, weights: Weights, choices: Mapping[str, list[int]] | None = None
    ) -> torch.Tensor:
        """Mix with the op weights (GDAS: compute only `choices`, one op per edge)."""
