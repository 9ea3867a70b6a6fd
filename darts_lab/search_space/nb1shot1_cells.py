"""NAS-Bench-1Shot1's cells as NAS-Bench-101 sees them: the genotype (each node's op and kept
inputs → NB101's 7-vertex (matrix, ops)), and the enumeration of every cell of a space (the
oracle's best-in-space, Zela et al.'s counts). The one-shot model is nb1shot1.py."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from darts_lab.search_space.base import GenotypeBase

NB101_OPS: tuple[str, ...] = ("maxpool3x3", "conv3x3-bn-relu", "conv1x1-bn-relu")  # ref. order
INPUT, OUTPUT = "input", "output"
# Inputs kept per node 1..n (the last is the output), Zela et al. Table 1 / the reference code
PARENTS: dict[int, tuple[int, ...]] = {
    1: (1, 2, 2, 2, 2),
    2: (1, 1, 2, 2, 3),
    3: (1, 1, 1, 2, 2, 2),
}
NB101_VERTICES = 7  # NB101 cells have 7 vertices: spaces 1/2 get an unused node before output


@dataclass(frozen=True)
class Nb1Shot1Genotype(GenotypeBase):
    """Per intermediate node its op, per node 1..n (output last) the inputs it keeps. Nodes
    that do not reach the output ("loose ends") are dropped from the NAS-Bench-101 cell, as the
    reference's discretization does. Its accuracy comes from NAS-Bench-101 (oracle=nb101)."""

    json_key = "nb1shot1"
    space: int
    ops: tuple[str, ...]
    parents: tuple[tuple[int, ...], ...]

    def live(self) -> set[int]:
        """Intermediate nodes on a path to the output."""
        out, live, frontier = len(self.parents), set(), [len(self.parents)]
        while frontier:
            for p in self.parents[frontier.pop() - 1]:
                if p and p not in live:
                    live.add(p)
                    frontier.append(p)
        return live - {out}

    def nb101(self) -> tuple[list[list[int]], list[str]]:
        """(adjacency matrix, op labels) in NAS-Bench-101's 7-vertex format, loose ends kept out;
        spaces 1 and 2 (4 intermediate nodes) get an unused conv1x1 vertex before the output."""
        n = len(self.parents)  # the output node
        pad = NB101_VERTICES - (n + 1)
        index = {v: v for v in range(n)} | {n: n + pad}
        matrix = [[0] * NB101_VERTICES for _ in range(NB101_VERTICES)]
        for v in [n, *self.live()]:
            for p in self.parents[v - 1]:
                matrix[index[p]][index[v]] = 1
        return matrix, [INPUT, *self.ops, *["conv1x1-bn-relu"] * pad, OUTPUT]

    def __str__(self) -> str:
        live = self.live()
        nodes = [
            f"{i}:{op}<-{','.join(map(str, self.parents[i - 1]))}"
            for i, op in enumerate(self.ops, start=1)
            if i in live
        ]
        return f"space{self.space} " + " ".join(
            [*nodes, f"out<-{','.join(map(str, self.parents[-1]))}"]
        )

    def cells(self) -> dict[str, tuple[list[list[tuple[str, int]]], list[int], int]]:
        """For drawing: each kept input of a node labelled with the node's op."""
        live = self.live()
        genes = [
            [(op, p) for p in self.parents[i - 1]] if i in live else []
            for i, op in enumerate(self.ops, start=1)
        ]
        return {"cell": (genes, list(self.parents[-1]), 1)}

    def to_json(self) -> dict:
        matrix, ops = self.nb101()
        return {
            "nb1shot1": {"space": self.space, "ops": list(self.ops), "parents": self.parents},
            "nb101": {"matrix": matrix, "ops": ops},
        }

    @classmethod
    def from_json(cls, data: dict) -> Nb1Shot1Genotype:
        d = data["nb1shot1"]
        return cls(int(d["space"]), tuple(d["ops"]), tuple(tuple(p) for p in d["parents"]))


def parent_choices(space: int) -> Iterator[tuple[tuple[int, ...], ...]]:
    """Every way to pick each node's inputs (loose ends included)."""
    per_node = [itertools.combinations(range(i), k) for i, k in enumerate(PARENTS[space], 1)]
    return itertools.product(*[list(c) for c in per_node])


def architectures(space: int) -> Iterator[Nb1Shot1Genotype]:
    """Every distinct cell the discretization can return: loose ends dropped, and the ops of
    dropped nodes fixed (they do not change the cell)."""
    steps = len(PARENTS[space]) - 1
    seen = set()
    for parents in parent_choices(space):
        live = Nb1Shot1Genotype(space, ("",) * steps, parents).live()
        kept = tuple(p if i in live or i == steps + 1 else () for i, p in enumerate(parents, 1))
        if kept in seen:
            continue
        seen.add(kept)
        for ops in itertools.product(NB101_OPS, repeat=len(live)):
            chosen = iter(ops)
            node_ops = tuple(
                next(chosen) if i in live else NB101_OPS[0] for i in range(1, steps + 1)
            )
            yield Nb1Shot1Genotype(space, node_ops, parents)
