"""The NAS-Bench-201 search space (Dong & Yang 2020; `TinyNetworkDarts` of its search code).

Cell: node 0 is the input, nodes 1-3 each sum one mixed op from every earlier node (6 edges,
ordered 1←0, 2←0, 2←1, 3←0, 3←1, 3←2); the cell outputs node 3. Network: a 3×3 stem, then three
stages of N cells with C, 2C, 4C channels joined by residual reduction blocks, BN-ReLU, global
pooling, a linear classifier. One α is shared by every cell. Discretization keeps every edge and
takes the argmax op on each (no edge pruning), written as NB201's architecture string.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from darts_lab.config import ConfigError
from darts_lab.search_space.base import Capabilities, GenotypeBase, SearchSpace
from darts_lab.search_space.ops import (
    CandidateOps,
    ReLUConvBN,
    check_ops,
    check_partial_channels,
)

NB201_OPS: tuple[str, ...] = (
    "none",
    "skip_connect",
    "nor_conv_1x1",
    "nor_conv_3x3",
    "avg_pool_3x3",
)
NODES = 4
EDGES = [(j, i) for i in range(1, NODES) for j in range(i)]  # (from, to), NB201's order

_OPS = {
    "skip_connect": lambda c: nn.Identity(),
    "nor_conv_1x1": lambda c: ReLUConvBN(c, c, 1, 1, 0, affine=False),
    "nor_conv_3x3": lambda c: ReLUConvBN(c, c, 3, 1, 1, affine=False),
    "avg_pool_3x3": lambda c: nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False),
}


class Nb201MixedOp(CandidateOps):
    """An NB201 edge (stride 1): the mixture of `CandidateOps`. PC-DARTS (partial_channels
    K > 1): the first C/K channels go through the ops, the rest bypass them, then a channel
    shuffle (`CandidateOps.forward`)."""

    def __init__(self, c: int, ops: Sequence[str], partial_channels: int = 1) -> None:
        super().__init__()
        self.k, self.c_op = partial_channels, c // partial_channels
        self.ops = nn.ModuleDict({name: _OPS[name](self.c_op) for name in ops if name != "none"})
        self.index = [i for i, name in enumerate(ops) if name != "none"]
        self.bypass = nn.Identity()
        self.set_alive(torch.ones(len(ops), dtype=torch.bool))


class Nb201Cell(nn.Module):
    def __init__(self, c: int, ops: Sequence[str], partial_channels: int = 1) -> None:
        super().__init__()
        self.edges = nn.ModuleList(Nb201MixedOp(c, ops, partial_channels) for _ in EDGES)

    def forward(
        self,
        x: torch.Tensor,
        weights: torch.Tensor,
        choices: list[int] | None = None,
        edge_weights: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """weights [6, ops]; choices: GDAS; edge_weights [6] (PC-DARTS β) or None."""
        nodes = [x]
        for i in range(1, NODES):
            terms = []
            for e, (j, to) in enumerate(EDGES):
                if to != i:
                    continue
                out = self.edges[e](nodes[j], weights[e], None if choices is None else choices[e])
                terms.append(out if edge_weights is None else edge_weights[e] * out)
            nodes.append(sum(terms))
        return nodes[-1]


class ResidualReduction(nn.Module):
    """NB201's ResNetBasicblock with stride 2: two 3×3 ReLU-conv-BN, avg-pool + 1×1 shortcut."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2, 1)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1, 1)
        self.shortcut = nn.Sequential(
            nn.AvgPool2d(2, stride=2), nn.Conv2d(c_in, c_out, 1, bias=False)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


class Nb201Network(SearchSpace):
    """PC-DARTS options as on the DARTS cell: `partial_channels` K and `edge_weights` (β per
    node over its incoming edges; NB201's Π_S keeps every edge, so β weighs the supernet's sums
    only)."""

    cell_types = ("cell",)
    capabilities = Capabilities(partial_channels=True, edge_weights=True, pruning=True)
    tiny = {"cells_per_stage": 1, "init_channels": 4}

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        init_channels: int = 16,
        cells_per_stage: int = 5,
        ops: Sequence[str] = NB201_OPS,
        partial_channels: int = 1,
        edge_weights: bool = False,
        pool_batchnorm: bool = False,
    ) -> None:
        super().__init__()
        check_ops(list(ops), NB201_OPS)
        if pool_batchnorm:  # a row asking for DARTS's BN after pools (false: DrNAS's) lands here
            raise ConfigError(
                "search_space.pool_batchnorm=true: NAS-Bench-201's cells have no BatchNorm "
                "after their pools (AutoDL-Projects); it is a DARTS CNN cell option"
            )
        if init_channels < 1 or cells_per_stage < 1:
            raise ConfigError(
                f"search_space needs init_channels >= 1 and cells_per_stage >= 1; got "
                f"init_channels={init_channels}, cells_per_stage={cells_per_stage}"
            )
        check_partial_channels(partial_channels, init_channels)
        self.ops = list(ops)
        self.edge_weights = edge_weights
        c = init_channels
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
        )
        self.stages = nn.ModuleList()
        for stage in range(3):
            blocks = [] if stage == 0 else [ResidualReduction(c, 2 * c)]
            c = c if stage == 0 else 2 * c
            blocks += [Nb201Cell(c, self.ops, partial_channels) for _ in range(cells_per_stage)]
            self.stages.extend(blocks)
        self.last = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU())
        self.classifier = nn.Linear(c, num_classes)

    def edges(self) -> list[tuple[int, int]]:
        return list(EDGES)

    def beta_keys(self) -> list[str]:
        """PC-DARTS β: one [1, i] row per node i = 1..3 over its incoming edges."""
        return [f"cell_beta{i}" for i in range(NODES - 1)] if self.edge_weights else []

    def arch_shapes(self) -> dict[str, tuple[int, int]]:
        return {"cell": (len(EDGES), len(self.ops))} | {
            key: (1, i + 1) for i, key in enumerate(self.beta_keys())
        }

    def set_alive(self, alive: Mapping[str, torch.Tensor]) -> None:
        for block in self.stages:
            if isinstance(block, Nb201Cell):
                for e, edge in enumerate(block.edges):
                    edge.set_alive(alive["cell"][e])

    def project(
        self, weights: Mapping[str, torch.Tensor], selectable: Mapping[str, torch.Tensor]
    ) -> dict[str, torch.Tensor]:
        """Π_S: the one-hot of the strongest selectable op on every edge (the mask follows the
        weights' device: export passes CPU copies of α while the masks live with the model)."""
        mask = selectable["cell"].to(weights["cell"].device)
        w = weights["cell"].detach().masked_fill(~mask, float("-inf"))
        onehot = torch.nn.functional.one_hot(w.argmax(-1), w.shape[-1]).to(weights["cell"])
        return {"cell": onehot} | {k: torch.ones_like(weights[k]) for k in self.beta_keys()}

    def forward(
        self,
        x: torch.Tensor,
        weights: Mapping[str, torch.Tensor],
        choices: Mapping[str, list[int]] | None = None,
    ) -> torch.Tensor:
        h = self.stem(x)
        keys = self.beta_keys()
        beta = torch.cat([weights[k][0] for k in keys]) if keys else None  # in EDGES order
        for block in self.stages:
            if isinstance(block, Nb201Cell):
                h = block(h, weights["cell"], choices["cell"] if choices else None, beta)
            else:
                h = block(h)
        return self.classifier(self.last(h).mean(dim=(2, 3)))

    def discretize(
        self,
        weights: Mapping[str, torch.Tensor],
        selectable: Mapping[str, torch.Tensor] | None = None,
    ) -> Nb201Genotype:
        onehot = self.project(weights, selectable or self.selectable())["cell"]
        return Nb201Genotype(tuple(self.ops[int(i)] for i in onehot.argmax(-1)))


@dataclass(frozen=True)
class Nb201Genotype(GenotypeBase):
    """One op per edge, in EDGES order; str() is NB201's `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`.
    Its accuracy comes from the benchmark (oracle=nb201), not from retraining."""

    json_key = "nb201"
    ops: tuple[str, ...]

    def __str__(self) -> str:
        genes = self.cells()["cell"][0]
        return "+".join("|" + "|".join(f"{op}~{j}" for op, j in node) + "|" for node in genes)

    @classmethod
    def from_string(cls, arch: str) -> Nb201Genotype:
        ops = []
        for i, node in enumerate(arch.split("+"), start=1):
            genes = [g for g in node.split("|") if g]
            if [int(g.split("~")[1]) for g in genes] != list(range(i)):
                raise ConfigError(f"not a NAS-Bench-201 architecture string: {arch!r}")
            ops += [g.split("~")[0] for g in genes]
        if len(ops) != len(EDGES) or any(op not in NB201_OPS for op in ops):
            raise ConfigError(f"not a NAS-Bench-201 architecture string: {arch!r}")
        return cls(tuple(ops))

    def cells(self) -> dict[str, tuple[list[list[tuple[str, int]]], list[int], int]]:
        """For drawing: per node 1..3 its (op, source) inputs, the output node, 1 input node."""
        genes = [
            [(op, j) for op, (j, to) in zip(self.ops, EDGES, strict=True) if to == i]
            for i in (1, 2, 3)
        ]
        return {"cell": (genes, [NODES - 1], 1)}

    def to_json(self) -> dict:
        return {"nb201": str(self)}

    @classmethod
    def from_json(cls, data: dict) -> Nb201Genotype:
        return cls.from_string(data["nb201"])


Nb201Network.genotype_type = Nb201Genotype
