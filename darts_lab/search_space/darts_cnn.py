"""The DARTS CNN search network: stem, normal/reduction search cells, classifier (quark0/darts
`model_search.py`). The network mixes ops with weights it is given; it never sees α itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from darts_lab.search_space.genotype import Genotype, cell_genes, project_onehot
from darts_lab.search_space.ops import OPS, PRIMITIVES, FactorizedReduce, ReLUConvBN, check_ops


class MixedOp(nn.Module):
    """Σ_o w_o · o(x) over the candidate ops of one edge. "none" is never computed: it adds 0."""

    def __init__(self, c: int, stride: int, ops: Sequence[str]) -> None:
        super().__init__()
        self.stride = stride
        self.ops = nn.ModuleDict()
        self.index: list[int] = []  # position of each computed op in the weight vector
        for i, name in enumerate(ops):
            if name == "none":
                continue
            op = OPS[name](c, stride, False)
            if "pool" in name:  # DARTS search: pools get a non-affine BN to match conv scales
                op = nn.Sequential(op, nn.BatchNorm2d(c, affine=False))
            self.ops[name] = op
            self.index.append(i)
        self.set_alive(torch.ones(len(ops), dtype=torch.bool))

    def set_alive(self, alive: torch.Tensor) -> None:
        """Compute only ops still alive (CRB pruning); a pruned op's weight is 0 anyway."""
        self.active = [
            (i, op) for i, op in zip(self.index, self.ops.values(), strict=True) if bool(alive[i])
        ]

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        if not self.active:  # every op pruned: the edge contributes nothing
            n, c, h, w = x.shape
            return x.new_zeros(n, c, -(-h // self.stride), -(-w // self.stride))
        return sum(weights[i] * op(x) for i, op in self.active)


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
        self.edges = nn.ModuleList(
            MixedOp(c, 2 if reduction and j < 2 else 1, ops)
            for i in range(steps)
            for j in range(i + 2)
        )
        # CRB: op weights no longer sum to 1 per edge, so each node's sum is re-normalised
        self.node_norms = nn.ModuleList(
            nn.BatchNorm2d(c, affine=False) if node_batchnorm else nn.Identity()
            for _ in range(steps)
        )

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        offset = 0
        for norm in self.node_norms:
            node = sum(self.edges[offset + j](h, weights[offset + j]) for j, h in enumerate(states))
            offset += len(states)
            states.append(norm(node))
        return torch.cat(states[-self.multiplier :], dim=1)


class SearchNetwork(nn.Module):
    """The DARTS supernet. Reduction cells sit at layers//3 and 2·layers//3."""

    cell_types = ("normal", "reduce")

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        init_channels: int = 16,
        layers: int = 8,
        steps: int = 4,
        multiplier: int = 4,
        stem_multiplier: int = 3,
        ops: Sequence[str] = PRIMITIVES,
        node_batchnorm: bool = False,
    ) -> None:
        super().__init__()
        check_ops(list(ops))
        # layers >= 3: with fewer, both reductions fall on every cell and α_normal never trains
        if layers < 3 or init_channels < 1 or steps < 1 or not 1 <= multiplier <= steps:
            raise ValueError(
                f"search_space needs layers >= 3, init_channels, steps >= 1 and "
                f"1 <= multiplier <= steps; got layers={layers}, "
                f"init_channels={init_channels}, steps={steps}, "
                f"multiplier={multiplier}"
            )
        self.ops = list(ops)
        self.steps = steps
        self.multiplier = multiplier
        c_curr = stem_multiplier * init_channels
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, c_curr, 3, padding=1, bias=False), nn.BatchNorm2d(c_curr)
        )
        c_pp, c_p, c_curr = c_curr, c_curr, init_channels
        self.cells = nn.ModuleList()
        reduction_prev = False
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
                )
            )
            reduction_prev = reduction
            c_pp, c_p = c_p, multiplier * c_curr
        self.classifier = nn.Linear(c_p, num_classes)

    @property
    def num_edges(self) -> int:
        return sum(i + 2 for i in range(self.steps))

    def arch_shapes(self) -> dict[str, tuple[int, int]]:
        """Shape of the architecture weights each cell type mixes with: [edges, ops]."""
        return {t: (self.num_edges, len(self.ops)) for t in self.cell_types}

    def selectable(self) -> torch.Tensor:
        """Ops Π_S may choose: every op but "none"."""
        mask = torch.tensor([op != "none" for op in self.ops])
        return mask.expand(self.num_edges, -1)

    def set_alive(self, alive: Mapping[str, torch.Tensor]) -> None:
        """Tell every mixed op which of its ops are still alive (per cell type, [edges, ops])."""
        for cell in self.cells:
            mask = alive["reduce" if cell.reduction else "normal"]
            for e, edge in enumerate(cell.edges):
                edge.set_alive(mask[e])

    def project(
        self, weights: Mapping[str, torch.Tensor], selectable: Mapping[str, torch.Tensor]
    ) -> dict[str, torch.Tensor]:
        """Π_S in α-space: per cell type a 0/1 tensor with the derived architecture's ops."""
        return {t: project_onehot(weights[t], self.steps, selectable[t]) for t in weights}

    def forward(self, x: torch.Tensor, weights: Mapping[str, torch.Tensor]) -> torch.Tensor:
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1, weights["reduce" if cell.reduction else "normal"])
        return self.classifier(s1.mean(dim=(2, 3)))

    def discretize(
        self,
        weights: Mapping[str, torch.Tensor],
        selectable: Mapping[str, torch.Tensor] | None = None,
    ) -> Genotype:
        """Π_S of both cell types (selectable: per cell type, ops that may be chosen)."""
        sel = selectable or {t: self.selectable() for t in self.cell_types}
        concat = list(range(2 + self.steps - self.multiplier, self.steps + 2))
        return Genotype(
            cell_genes(weights["normal"], self.ops, self.steps, sel["normal"]),
            concat,
            cell_genes(weights["reduce"], self.ops, self.steps, sel["reduce"]),
            concat,
        )
