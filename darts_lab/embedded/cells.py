"""Cells of the NAS-Bench-201 topology over an op set: enumeration and functional identity.

Two cells are one entry when they compute the same function of the input up to weight values, as
NAS-Bench-201 merges isomorphic cells: an edge with "none" is absent; a node without inputs is
zero, and any op on zero is zero; a sum is a multiset of its terms; skip_connect passes its
input through. Each node is written as an expression of node 0, the cell as node 3's.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from darts_lab.search_space.nb201 import EDGES, NODES, Nb201Genotype

ZERO = "0"


def expression(ops: Sequence[str]) -> str:
    """The canonical expression of the cell's output (its functional identity)."""
    nodes = ["x"]
    for i in range(1, NODES):
        terms = []
        for op, (j, to) in zip(ops, EDGES, strict=True):
            if to != i or op == "none" or nodes[j] == ZERO:
                continue
            terms.append(nodes[j] if op == "skip_connect" else f"{op}({nodes[j]})")
        nodes.append("+".join(sorted(terms)) if terms else ZERO)
        if len(terms) > 1:
            nodes[-1] = f"[{nodes[-1]}]"
    return nodes[-1]


def all_cells(op_set: Sequence[str]) -> dict[str, list[str]]:
    """Every cell over `op_set` grouped by expression: {expression: [architecture strings]}."""
    groups: dict[str, list[str]] = {}
    for ops in itertools.product(op_set, repeat=len(EDGES)):
        groups.setdefault(expression(ops), []).append(str(Nb201Genotype(tuple(ops))))
    return groups


def representative(arch_strings: Sequence[str]) -> str:
    """The entry that is trained for a group: its first string in enumeration order."""
    return arch_strings[0]
