"""The DARTS CNN search network: stem, normal/reduction search cells, classifier (quark0/darts
`model_search.py`). The network mixes ops with weights it is given; it never sees α itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from darts_lab.config import ConfigError, check_choice
from darts_lab.search_space.base import Capabilities, SearchSpace
from darts_lab.search_space.edge_ops import OpTable, column_labels, op_table
from darts_lab.search_space.genotype import (
    Genotype,
    cell_genes,
    edge_endpoints,
    project_onehot,
)
from darts_lab.search_space.ops import (
    OPS,
    PRIMITIVES,
    CandidateOps,
    FactorizedReduce,
    ReLUConvBN,
    check_ops,
    check_partial_channels,
)
from darts_lab.search_space.stems import STEMS, cifar_stem, imagenet_stem  # noqa: F401


class MixedOp(CandidateOps):
    """A DARTS edge: the mixture of `CandidateOps`, with a stride.

    PC-DARTS (partial_channels K > 1): only the first C/K channels go through the ops, the rest
    bypass them (max-pooled on a reduction edge), then a channel shuffle mixes the two parts.
    GDAS (`choice` given): only the sampled op is computed. `pool_batchnorm`: DARTS's non-affine
    BatchNorm after each pool (DrNAS's MixedOp has none)."""

    def __init__(
        self,
        c: int,
        stride: int,
        ops: Sequence[str],
        partial_channels: int = 1,
        pool_batchnorm: bool = True,
    ) -> None:
        super().__init__()
        self.stride, self.k = stride, partial_channels
        self.c_op = c // partial_channels
        self.ops = nn.ModuleDict()
        self.index: list[int] = []  # position of each computed op in the weight vector
        for i, name in enumerate(ops):
            if name == "none":
                continue
            op = OPS[name](self.c_op, stride, False)
            if (
                "pool" in name and pool_batchnorm
            ):  # DARTS search: pools get a non-affine BN to match conv scales
                op = nn.Sequential(op, nn.BatchNorm2d(self.c_op, affine=False))
            self.ops[name] = op
            self.index.append(i)
        self.bypass = nn.MaxPool2d(2, 2) if stride == 2 else nn.Identity()
        self.set_alive(torch.ones(len(ops), dtype=torch.bool))

    def zeros(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        return x.new_zeros(n, c, -(-h // self.stride), -(-w // self.stride))


class SearchCell(nn.Module):
    def __init__(
        self,
        ops: Sequence[str],
        steps: int,
        multiplier: int,
        c_pp: int,
        c_p: int,
        c: int,
        reduction: bool,
        reduction_prev: bool,
        node_batchnorm: bool = False,
        partial_channels: int = 1,
        pool_batchnorm: bool = True,
        edge_ops: Sequence[Sequence[str]] | None = None,  # one op list per edge; None: `ops`
    ) -> None:
        super().__init__()
        self.reduction = reduction
        self.steps = steps
        self.multiplier = multiplier
        self.preprocess0 = (
            FactorizedReduce(c_pp, c, affine=False)
            if reduction_prev
            else ReLUConvBN(c_pp, c, 1, 1, 0, affine=False)
        )
        self.preprocess1 = ReLUConvBN(c_p, c, 1, 1, 0, affine=False)
        strides = [2 if reduction and j < 2 else 1 for i in range(steps) for j in range(i + 2)]
        self.edges = nn.ModuleList(
            MixedOp(c, s, edge_ops[e] if edge_ops else ops, partial_channels, pool_batchnorm)
            for e, s in enumerate(strides)
        )
        # CRB: op weights no longer sum to 1 per edge, so each node's sum is re-normalised
        self.node_norms = nn.ModuleList(
            nn.BatchNorm2d(c, affine=False) if node_batchnorm else nn.Identity()
            for _ in range(steps)
        )

    def forward(
        self,
        s0: torch.Tensor,
        s1: torch.Tensor,
        weights: torch.Tensor,
        edge_weights: torch.Tensor | None = None,
        choices: list[int] | None = None,
    ) -> torch.Tensor:
        """weights [edges, ops]; edge_weights [edges] (PC-DARTS β) or None; choices: GDAS."""
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        offset = 0
        for norm in self.node_norms:
            terms = []
            for j, h in enumerate(states):
                e = offset + j
                out = self.edges[e](h, weights[e], None if choices is None else choices[e])
                terms.append(out if edge_weights is None else edge_weights[e] * out)
            offset += len(states)
            states.append(norm(sum(terms)))
        return torch.cat(states[-self.multiplier :], dim=1)


class SearchNetwork(SearchSpace):
    """The DARTS supernet. Reduction cells sit at layers//3 and 2·layers//3.

    PC-DARTS options: `partial_channels` K (1 = off) and `edge_weights` (β per node: one more
    architecture row per intermediate node, weighing its incoming edges; Π_S then ranks edges
    by β × op weight, as PC-DARTS's genotype())."""

    cell_types = ("normal", "reduce")
    capabilities = Capabilities(
        partial_channels=True, edge_weights=True, node_batchnorm=True, pruning=True
    )
    genotype_type = Genotype
    tiny = {"layers": 3, "init_channels": 4, "steps": 3, "multiplier": 3}  # 9 edges a cell

    @classmethod
    def tiny_sizes(cls, options: Mapping[str, Any]) -> dict[str, int]:
        """An op list per edge (R-DARTS S1: 14 rows) fixes the cell's nodes: 4."""
        sizes = dict(cls.tiny)
        if options.get("edge_ops"):
            del sizes["steps"], sizes["multiplier"]
        return sizes

    edges_kept = 2  # Π_S: the 2 strongest incoming edges of each node

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        init_channels: int,  # no default: conf/search_space/ holds the sizes (the paper's: 16, 8)
        layers: int,
        steps: int = 4,
        multiplier: int = 4,
        stem_multiplier: int = 3,
        ops: Sequence[str] = PRIMITIVES,
        node_batchnorm: bool = False,
        partial_channels: int = 1,
        edge_weights: bool = False,
        stem: str = "cifar",
        pool_batchnorm: bool = True,
        edge_ops: Mapping[str, Sequence[Sequence[str]]] | None = None,  # R-DARTS S1 (edge_ops.py)
    ) -> None:
        super().__init__()
        check_ops(list(ops))
        check_choice("search_space.stem", stem, tuple(STEMS))
        # layers >= 3: with fewer, both reductions fall on every cell and α_normal never trains
        if layers < 3 or init_channels < 1 or steps < 1 or not 1 <= multiplier <= steps:
            raise ConfigError(
                f"search_space needs layers >= 3, init_channels, steps >= 1 and "
                f"1 <= multiplier <= steps; got layers={layers}, "
                f"init_channels={init_channels}, steps={steps}, "
                f"multiplier={multiplier}"
            )
        check_partial_channels(partial_channels, init_channels)
        self.steps = steps
        self.table: OpTable = op_table(ops, edge_ops, self.cell_types, self.num_edges)
        self.ops = list(ops) if edge_ops is None else column_labels(self.table)
        self.multiplier = multiplier
        self.edge_weights = edge_weights
        c_curr = stem_multiplier * init_channels
        self.stem, self.stem1 = STEMS[stem](in_channels, c_curr)
        c_pp, c_p, c_curr = c_curr, c_curr, init_channels
        self.cells = nn.ModuleList()
        reduction_prev = self.stem1 is not None  # the ImageNet stem halves s1 against s0
        for i in range(layers):
            reduction = i in (layers // 3, 2 * layers // 3)
            c_curr = c_curr * 2 if reduction else c_curr
            self.cells.append(
                SearchCell(
                    self.ops,
                    steps,
                    multiplier,
                    c_pp,
                    c_p,
                    c_curr,
                    reduction,
                    reduction_prev,
                    node_batchnorm,
                    partial_channels,
                    pool_batchnorm,
                    self.table["reduce" if reduction else "normal"],
                )
            )
            reduction_prev = reduction
            c_pp, c_p = c_p, multiplier * c_curr
        self.classifier = nn.Linear(c_p, num_classes)

    @property
    def num_edges(self) -> int:
        return sum(i + 2 for i in range(self.steps))

    def edges(self) -> list[tuple[int, int]]:
        return edge_endpoints(self.steps)

    def beta_keys(self, cell: str) -> list[str]:
        """Architecture keys of the per-node edge weights β of a cell type (PC-DARTS)."""
        return [f"{cell}_beta{i}" for i in range(self.steps)] if self.edge_weights else []

    def arch_shapes(self) -> dict[str, tuple[int, int]]:
        """Rows × options of every architecture tensor: [edges, ops] per cell type, [1, inputs]
        per node for β."""
        shapes = {t: (self.num_edges, len(self.ops)) for t in self.cell_types}
        for t in self.cell_types:
            shapes.update({key: (1, i + 2) for i, key in enumerate(self.beta_keys(t))})
        return shapes

    def op_table(self) -> OpTable:
        return self.table

    def selectable(self) -> dict[str, torch.Tensor]:
        """What Π_S may choose: every op but "none"; every edge."""
        return {
            k: torch.tensor([[op != "none" for op in row] for row in self.table[k]])
            if k in self.cell_types
            else torch.ones(s, dtype=torch.bool)
            for k, s in self.arch_shapes().items()
        }

    def set_alive(self, alive: Mapping[str, torch.Tensor]) -> None:
        """Tell every mixed op which of its ops are still alive (per cell type, [edges, ops])."""
        for cell in self.cells:
            mask = alive["reduce" if cell.reduction else "normal"]
            for e, edge in enumerate(cell.edges):
                edge.set_alive(mask[e])

    def _edge_weights(self, weights: Mapping[str, torch.Tensor], cell: str) -> torch.Tensor | None:
        keys = self.beta_keys(cell)
        return torch.cat([weights[k][0] for k in keys]) if keys else None

    def _ranked(self, weights: Mapping[str, torch.Tensor], cell: str) -> torch.Tensor:
        """Op weights Π_S ranks edges and ops by: × β under PC-DARTS."""
        beta = self._edge_weights(weights, cell)
        return weights[cell] if beta is None else weights[cell] * beta[:, None]

    def project(
        self, weights: Mapping[str, torch.Tensor], selectable: Mapping[str, torch.Tensor]
    ) -> dict[str, torch.Tensor]:
        """Π_S in α-space: per key a 0/1 tensor with the derived architecture (kept ops; for β
        the kept edges of each node)."""
        out = {}
        for t in self.cell_types:
            out[t] = project_onehot(self._ranked(weights, t), self.steps, selectable[t])
            kept = out[t].amax(dim=1)  # 1 on each kept edge
            offset = 0
            for i, key in enumerate(self.beta_keys(t)):
                out[key] = kept[offset : offset + i + 2][None].clone()
                offset += i + 2
        return out

    def forward(
        self,
        x: torch.Tensor,
        weights: Mapping[str, torch.Tensor],
        choices: Mapping[str, list[int]] | None = None,
    ) -> torch.Tensor:
        beta = {t: self._edge_weights(weights, t) for t in self.cell_types}
        s0 = s1 = self.stem(x)
        if self.stem1 is not None:
            s1 = self.stem1(s0)
        for cell in self.cells:
            t = "reduce" if cell.reduction else "normal"
            s0, s1 = s1, cell(s0, s1, weights[t], beta[t], choices[t] if choices else None)
        return self.classifier(s1.mean(dim=(2, 3)))

    def discretize(
        self,
        weights: Mapping[str, torch.Tensor],
        selectable: Mapping[str, torch.Tensor] | None = None,
    ) -> Genotype:
        """Π_S of both cell types (selectable: per key, what may be chosen)."""
        sel = selectable or self.selectable()
        concat = list(range(2 + self.steps - self.multiplier, self.steps + 2))
        genes = {
            t: cell_genes(self._ranked(weights, t), self.table[t], self.steps, sel[t])
            for t in self.cell_types
        }
        return Genotype(genes["normal"], concat, genes["reduce"], concat)
