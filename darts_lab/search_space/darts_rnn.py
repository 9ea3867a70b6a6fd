"""The DARTS recurrent search space (Liu et al. 2019 §2.1; quark0/darts `rnn/model_search.py`).

Node i (1..steps) mixes every predecessor j < i and every op: one α row per (j → i) pair, ordered
node by node (1←0, 2←0, 2←1, 3←0, ...), 36 rows for 8 nodes. "none" contributes nothing. A
non-affine BatchNorm follows s0 and every node, as in DARTS's search cell (so CRB's node
BatchNorm is there by construction). Π_S keeps, per node, the predecessor with the strongest
selectable op and that op (DARTS's parse): the genotype is `Genotype(recurrent=[(op, pred), ...],
concat=range(1, steps + 1))`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch

from darts_lab.config import ConfigError
from darts_lab.search_space.base import Capabilities, GenotypeBase, SearchSpace, Weights
from darts_lab.search_space.genotype import concat_problems
from darts_lab.search_space.rnn_cell import (
    ACTIVATIONS,
    RNN_OPS,
    RecurrentCell,
    RnnLanguageModel,
)


@dataclass(frozen=True)
class RnnGenotype(GenotypeBase):
    """A discrete DARTS recurrent cell: per node (op, predecessor); states 0 (s0) .. steps."""

    json_key = "recurrent"
    retrainable = True
    inputs = "text"
    recurrent: list[tuple[str, int]]
    concat: list[int]

    def to_json(self) -> dict:
        return {"recurrent": [list(g) for g in self.recurrent], "concat": list(self.concat)}

    @classmethod
    def from_json(cls, data: dict) -> RnnGenotype:
        genes = [(str(op), int(pred)) for op, pred in data["recurrent"]]
        return cls(genes, [int(i) for i in data["concat"]])

    def cells(self) -> dict[str, tuple[list[list[tuple[str, int]]], list[int], int]]:
        """For drawing: node i+1 has one input, predecessor 0 is s0 (the only input node)."""
        return {"recurrent": ([[gene] for gene in self.recurrent], self.concat, 1)}

    def problems(self) -> list[str]:
        """Each node: an activation the discrete cell knows, a predecessor before it; the
        concat: distinct nodes 1..steps."""
        found = []
        for i, (op, pred) in enumerate(self.recurrent, start=1):
            if op not in ACTIVATIONS:
                found.append(f"node {i}: unknown op {op!r} (ops: {', '.join(ACTIVATIONS)})")
            if not 0 <= pred < i:
                found.append(f"node {i}: predecessor {pred} is not one of 0..{i - 1}")
        found += concat_problems("recurrent", self.concat, len(self.recurrent) + 1)
        return found

    def __str__(self) -> str:
        """The form quark0/darts's rnn/genotypes.py holds (DARTS_V2 style)."""
        span = f"range({self.concat[0]}, {self.concat[-1] + 1})"
        return f"Genotype(recurrent={self.recurrent}, concat={span})"


def rnn_edges(steps: int) -> list[tuple[int, int]]:
    """α row → (predecessor, node); states numbered 0 (s0), 1..steps."""
    return [(j, i) for i in range(1, steps + 1) for j in range(i)]


class MixedCell(RecurrentCell):
    """Every node is the α-weighted sum over its predecessors and ops (DARTSCellSearch)."""

    def __init__(
        self,
        ops: Sequence[str],
        ninp: int,
        nhid: int,
        steps: int,
        dropouth: float,
        dropoutx: float,
    ) -> None:
        super().__init__(ninp, nhid, steps, dropouth, dropoutx, batchnorm=True)
        self.ops = list(ops)
        self.alive = torch.ones(len(ops), dtype=torch.bool)

    def nodes(
        self, s0: torch.Tensor, h_mask: torch.Tensor | None, **node_args: object
    ) -> list[torch.Tensor]:
        weights: torch.Tensor = node_args["weights"]  # type: ignore[assignment]
        live = [k for k, op in enumerate(self.ops) if op != "none" and self.alive[k]]
        states, offset = s0[None], 0  # [predecessors, B, nhid]
        for i, w in enumerate(self.ws):
            masked = states if h_mask is None else states * h_mask
            c, h = (masked @ w).chunk(2, dim=-1)
            acts = torch.stack([ACTIVATIONS[self.ops[k]](h) for k in live])  # [ops, j, B, nhid]
            update = states + c.sigmoid() * (acts - states)  # s_j + σ(c_j)·(op(h_j) − s_j)
            rows = weights[offset : offset + i + 1, live]  # α[j, op]
            s = torch.einsum("jk,kjbd->bd", rows, update) if live else torch.zeros_like(s0)
            states = torch.cat([states, self.norm(s)[None]])
            offset += i + 1
        return list(states)


class DartsRnnSearch(RnnLanguageModel, SearchSpace):
    """The DARTS RNN search model: embedding, the mixed cell, tied decoder."""

    cell_types = ("recurrent",)
    capabilities = Capabilities(node_batchnorm=True, pruning=True)
    genotype_type = RnnGenotype
    inputs = "text"
    tiny = {"nhid": 16, "steps": 3}

    def __init__(
        self,
        vocab_size: int,
        nhid: int = 300,
        steps: int = 8,
        dropout: float = 0.75,
        dropouth: float = 0.25,
        dropoutx: float = 0.75,
        dropouti: float = 0.2,
        dropoute: float = 0.0,
        ops: Sequence[str] = RNN_OPS,
        node_batchnorm: bool = True,  # asked for by activations that need it (CRB)
    ) -> None:
        if not node_batchnorm:  # DARTS's recurrent search cell always has it
            raise ConfigError("search_space=darts_rnn always has node BatchNorm (DARTS's cell)")
        unknown = [op for op in ops if op not in RNN_OPS]
        if unknown or nhid < 1 or steps < 1:
            raise ConfigError(
                f"search_space=darts_rnn needs ops from {list(RNN_OPS)}, nhid >= 1 and "
                f"steps >= 1; got ops={list(ops)}, nhid={nhid}, steps={steps}"
            )
        cell = MixedCell(ops, nhid, nhid, steps, dropouth, dropoutx)
        super().__init__(cell, vocab_size, nhid, dropout, dropouti, dropoute)
        self.ops, self.steps = list(ops), steps

    def arch_shapes(self) -> dict[str, tuple[int, int]]:
        return {"recurrent": (len(self.edges()), len(self.ops))}

    def edges(self) -> list[tuple[int, int]]:
        return rnn_edges(self.steps)

    def selectable(self) -> dict[str, torch.Tensor]:
        mask = torch.tensor([op != "none" for op in self.ops])
        return {"recurrent": mask.expand(len(self.edges()), -1).clone()}

    def set_alive(self, alive: Weights) -> None:
        """Pruning (CRB) is per op for the whole cell: an op stays while any row keeps it."""
        self.cell.alive = alive["recurrent"].any(dim=0).cpu()

    def _choices(self, weights: Weights, selectable: Weights) -> list[tuple[int, int]]:
        """Per node (α row, op): DARTS's parse, ties to the lower predecessor, then op."""
        w = weights["recurrent"].detach().cpu().double()
        w = w.masked_fill(~selectable["recurrent"].cpu(), float("-inf"))
        out, offset = [], 0
        for i in range(self.steps):
            block = w[offset : offset + i + 1]
            j = max(range(i + 1), key=lambda r: (float(block[r].max()), -r))
            out.append((offset + j, int(block[j].argmax())))
            offset += i + 1
        return out

    def project(self, weights: Weights, selectable: Weights) -> dict[str, torch.Tensor]:
        onehot = torch.zeros_like(weights["recurrent"])
        for row, op in self._choices(weights, selectable):
            onehot[row, op] = 1.0
        return {"recurrent": onehot}

    def discretize(self, weights: Weights, selectable: Weights | None = None) -> RnnGenotype:
        ends = self.edges()
        genes = [
            (self.ops[op], ends[row][0])
            for row, op in self._choices(weights, selectable or self.selectable())
        ]
        return RnnGenotype(genes, list(range(1, self.steps + 1)))

    def forward(
        self,
        x: torch.Tensor,
        weights: Mapping[str, torch.Tensor],
        choices: Mapping[str, list[int]] | None = None,
        hidden: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """[T, B] words → (log-probs, raw cell outputs). GDAS's one-hot weights select their
        op by weight (every op is still computed: the cell is matmul-bound, not op-bound)."""
        if hidden is None:
            hidden = self.init_hidden(x.size(1))
        return self.language_model(x, hidden, weights=weights["recurrent"])
