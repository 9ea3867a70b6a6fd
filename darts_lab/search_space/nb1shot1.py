"""NAS-Bench-1Shot1 (Zela et al. 2020): three subsets of the NAS-Bench-101 cell, searched with
the one-shot model of automl/nasbench-1shot1 (`optimizers/darts/model_search.py`).

Cell: one input (the previous cell), intermediate nodes 1..n-1 and the output node n. Every node
sums its inputs (weighted by α over its candidate inputs where it has a choice) and then applies
ONE mixed op over {maxpool3x3, conv3x3-bn-relu, conv1x1-bn-relu}: ops follow nodes, not edges.
The input reaches each node through its own 1×1 ConvBnRelu projection (NB101's rule); the
output is the weighted concatenation of the nodes plus the weighted projected input. Spaces
1/2/3 differ in node count and in how many inputs each node keeps (`PARENTS`).

Network (NB101's skeleton, scaled down): a 3×3 ConvBnRelu stem, `layers` cells in three stacks
joined by 2×2 max-pools (stride 2, padding 1) that double the channels, a ReLU-1×1 conv-BN,
global pooling, a linear classifier. α is shared by every cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from darts_lab.config import ConfigError, check
from darts_lab.search_space.base import Capabilities, NodeInputs, SearchSpace
from darts_lab.search_space.nb1shot1_cells import NB101_OPS, PARENTS, Nb1Shot1Genotype
from darts_lab.search_space.ops import (
    CandidateOps,
    ReLUConvBN,
    check_ops,
    check_partial_channels,
)


class ConvBnRelu(nn.Sequential):
    """NB101's conv-BN-ReLU. BN momentum as the reference: it passes TensorFlow's decay 0.997
    as PyTorch's momentum, so running statistics follow the latest batch almost entirely."""

    def __init__(self, c_in: int, c_out: int, kernel: int, momentum: float) -> None:
        super().__init__(
            nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out, momentum=momentum, eps=1e-5),
            nn.ReLU(),
        )


class NodeOps(CandidateOps):
    """The mixed op of one node. PC-DARTS (`partial_channels` K): C/K channels go through the
    ops, the rest bypass them, then a channel shuffle (no edge weights β: the input weights
    already weigh the edges, as in the reference)."""

    def __init__(self, c: int, ops: Sequence[str], partial_channels: int, momentum: float):
        super().__init__()
        self.k, self.c_op = partial_channels, c // partial_channels
        make = {
            "maxpool3x3": lambda: nn.MaxPool2d(3, stride=1, padding=1),
            "conv3x3-bn-relu": lambda: ConvBnRelu(self.c_op, self.c_op, 3, momentum),
            "conv1x1-bn-relu": lambda: ConvBnRelu(self.c_op, self.c_op, 1, momentum),
        }
        self.ops = nn.ModuleDict({name: make[name]() for name in ops})
        self.index = list(range(len(ops)))
        self.bypass = nn.Identity()
        self.set_alive(torch.ones(len(ops), dtype=torch.bool))


def input_keys(space: int) -> dict[int, str]:
    """The α key of every intermediate node that chooses among its inputs (node i has i
    candidates: the input and nodes 1..i-1; it chooses when it keeps fewer)."""
    parents = PARENTS[space][:-1]
    return {i: f"cell_in{i}" for i, k in enumerate(parents, start=1) if k < i}


class Nb1Shot1Cell(nn.Module):
    def __init__(
        self, space: int, c_in: int, c: int, ops: Sequence[str], k: int, momentum: float
    ) -> None:
        super().__init__()
        self.steps = len(PARENTS[space]) - 1
        self.keys = input_keys(space)
        # one projection of the cell input per node, one more for the input → output edge
        self.projections = nn.ModuleList(
            [ConvBnRelu(c_in, c, 1, momentum) for _ in range(self.steps)]
            + [ConvBnRelu(c_in, c * self.steps, 1, momentum)]
        )
        self.nodes = nn.ModuleList(NodeOps(c, ops, k, momentum) for _ in range(self.steps))

    def forward(
        self,
        s0: torch.Tensor,
        weights: Mapping[str, torch.Tensor],
        choices: list[int] | None = None,
    ) -> torch.Tensor:
        states: list[torch.Tensor] = []
        for b, node in enumerate(self.nodes):
            inputs = [self.projections[b](s0), *states]
            key = self.keys.get(b + 1)
            if key is not None:
                inputs = [w * t for w, t in zip(weights[key][0], inputs, strict=True)]
            choice = None if choices is None else choices[b]
            states.append(node(sum(inputs), weights["cell"][b], choice))
        w_out = weights["cell_out"][0]
        concat = torch.cat([w * s for w, s in zip(w_out[1:], states, strict=True)], dim=1)
        return w_out[0] * self.projections[-1](s0) + concat


class Nb1Shot1Network(SearchSpace):
    cell_types = ("cell",)
    capabilities = Capabilities(partial_channels=True)
    genotype_type = Nb1Shot1Genotype
    tiny = {"init_channels": 4, "layers": 3}

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        space: int = 1,
        init_channels: int = 16,
        layers: int = 9,
        ops: Sequence[str] = NB101_OPS,
        partial_channels: int = 1,
        bn_momentum: float = 0.997,
    ) -> None:
        super().__init__()
        check("search_space.space", space, lambda s: s in PARENTS, "1, 2 or 3")
        check_ops(list(ops), NB101_OPS)
        check("search_space.layers", layers, lambda n: isinstance(n, int) and n >= 1, ">= 1")
        check_partial_channels(partial_channels, init_channels)
        if init_channels < 1:
            raise ConfigError(f"search_space.init_channels must be >= 1; got {init_channels}")
        self.space, self.ops, self.layers = space, list(ops), layers
        self.steps = len(PARENTS[space]) - 1
        self.downsample = {layers // 3, 2 * layers // 3} - {0}
        c = init_channels
        self.stem = ConvBnRelu(in_channels, c, 3, bn_momentum)
        self.cells = nn.ModuleList()
        c_prev = c
        for i in range(layers):
            c = 2 * c if i in self.downsample else c
            c_in = c_prev if i == 0 else c_prev * self.steps
            self.cells.append(Nb1Shot1Cell(space, c_in, c, self.ops, partial_channels, bn_momentum))
            c_prev = c
        self.postprocess = ReLUConvBN(c * self.steps, c, 1, 1, 0, affine=False)
        self.classifier = nn.Linear(c, num_classes)
        self.pool = nn.MaxPool2d(2, stride=2, padding=1)

    def edges(self) -> list[tuple[int, int]]:
        """The op-weight rows are nodes 1..n-1 (a node's op acts after its inputs' sum)."""
        return [(i, i) for i in range(1, self.steps + 1)]

    def arch_shapes(self) -> dict[str, tuple[int, int]]:
        keys = input_keys(self.space)
        return (
            {"cell": (self.steps, len(self.ops))}
            | {key: (1, i) for i, key in keys.items()}
            | {"cell_out": (1, self.steps + 1)}
        )

    def set_alive(self, alive: Mapping[str, torch.Tensor]) -> None:
        for cell in self.cells:
            for b, node in enumerate(cell.nodes):
                node.set_alive(alive["cell"][b])

    def kept(self) -> dict[str, int]:
        """How many inputs Π_S keeps per input-weight key."""
        parents = PARENTS[self.space]
        return {key: parents[i - 1] for i, key in input_keys(self.space).items()} | {
            "cell_out": parents[-1]
        }

    def node_inputs(self) -> list[NodeInputs]:
        """Every node that keeps k of its inputs (the output included); an input is an entry."""
        shapes = self.arch_shapes()
        return [
            NodeInputs("cell", tuple((key, 0, j) for j in range(shapes[key][1])), k)
            for key, k in self.kept().items()
        ]

    def project(
        self, weights: Mapping[str, torch.Tensor], selectable: Mapping[str, torch.Tensor]
    ) -> dict[str, torch.Tensor]:
        """Π_S: the strongest op per node; the k strongest inputs of every node that keeps k."""
        kept, out = self.kept(), {}
        for key, w in weights.items():
            w = w.detach().masked_fill(~selectable[key].to(w.device), float("-inf"))
            top = w.topk(kept.get(key, 1), dim=-1).indices  # one op per node ("cell")
            out[key] = torch.zeros_like(w).scatter_(-1, top, 1.0)
        return out

    def forward(
        self,
        x: torch.Tensor,
        weights: Mapping[str, torch.Tensor],
        choices: Mapping[str, list[int]] | None = None,
    ) -> torch.Tensor:
        h = self.stem(x)
        node_choices = None if choices is None else choices["cell"]
        for i, cell in enumerate(self.cells):
            h = cell(self.pool(h) if i in self.downsample else h, weights, node_choices)
        h = self.postprocess(h)
        return self.classifier(h.mean(dim=(2, 3)))

    def discretize(
        self,
        weights: Mapping[str, torch.Tensor],
        selectable: Mapping[str, torch.Tensor] | None = None,
    ) -> Nb1Shot1Genotype:
        onehot = self.project(weights, selectable or self.selectable())
        keys = input_keys(self.space)
        parents = [
            tuple(int(j) for j in onehot[keys[i]][0].nonzero()) if i in keys else tuple(range(i))
            for i in range(1, self.steps + 1)
        ]
        parents.append(tuple(int(j) for j in onehot["cell_out"][0].nonzero()))
        ops = tuple(self.ops[int(i)] for i in onehot["cell"].argmax(-1))
        return Nb1Shot1Genotype(self.space, ops, tuple(parents))
