"""The NAS-Bench-201 cell as a baseline's space: every op assignment over an op set, and the
one-edit neighbours of a cell (one edge's op changed to another of the set)."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

from darts_lab.search_space.nb201 import EDGES, Nb201Genotype


def nb201_archs(ops: Sequence[str]) -> tuple[str, ...]:
    """Every architecture string over `ops`, in itertools.product order."""
    return tuple(str(Nb201Genotype(c)) for c in itertools.product(ops, repeat=len(EDGES)))


@functools.cache
def _neighbours(arch: str, ops: tuple[str, ...]) -> tuple[str, ...]:
    cell = Nb201Genotype.from_string(arch).ops
    return tuple(
        str(Nb201Genotype((*cell[:edge], op, *cell[edge + 1 :])))
        for edge in range(len(EDGES))
        for op in ops
        if op != cell[edge]
    )


def nb201_neighbours(arch: str, ops: Sequence[str]) -> list[str]:
    """The cells that differ from `arch` on exactly one edge (edges in NB201's order, then ops
    in the set's order): 6 × (len(ops) − 1) of them."""
    return list(_neighbours(arch, tuple(ops)))
