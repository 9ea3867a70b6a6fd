"""Per-edge op sets of the DARTS CNN space (R-DARTS's S1, Zela et al. 2020).

`search_space.ops` is the one op list of every edge, as before. A space may instead give
`search_space.edge_ops`: per cell type, one op list per edge (14 for DARTS's 4-node cell). Every
list has the same length k (S1: 2), so α stays one [edges, k] tensor per cell type and every
activation, method and regularizer works on it as on any other; column j of edge e is the op
`table[cell][e][j]`. `search_space.ops` stays the set searched: an edge offers those ops of its
list that `ops` holds (so an activation that drops "none" drops it from every edge too).

With per-edge lists the columns of α have no op name of their own: the supernet's `ops` (the
column labels of alphas.json) are `edge_op0`, `edge_op1`, ...; the names are the table's
(`SearchSpace.op_table()`), which Π_S, the genotype, the collapse counts, the logs, alphas.json's
`edge_ops` and the α figures' per-edge legends read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from darts_lab.config import ConfigError
from darts_lab.search_space.ops import check_ops

OpTable = dict[str, list[list[str]]]  # cell type → per edge, the names of its α columns


def op_table(
    ops: Sequence[str],
    edge_ops: Mapping[str, Sequence[Sequence[str]]] | None,
    cell_types: Sequence[str],
    num_edges: int,
) -> OpTable:
    """Per cell type and edge, the ops that edge offers; one line for a table that cannot be a
    DARTS cell's α (a cell type missing, a wrong number of edges, lists of different lengths)."""
    if edge_ops is None:
        return {t: [list(ops)] * num_edges for t in cell_types}
    if sorted(edge_ops) != sorted(cell_types):
        raise ConfigError(
            f"search_space.edge_ops names the cell types {sorted(edge_ops)}; it needs one op "
            f"list per edge for each of {list(cell_types)}"
        )
    table: OpTable = {}
    for cell in cell_types:
        rows = list(edge_ops[cell])
        if len(rows) != num_edges:
            raise ConfigError(
                f"search_space.edge_ops.{cell} lists {len(rows)} edges; the cell has {num_edges}"
            )
        for e, row in enumerate(rows):
            check_ops(list(row), where=f"search_space.edge_ops.{cell}[{e}]")
        table[cell] = [[op for op in row if op in ops] for row in rows]
    widths = sorted({len(row) for rows in table.values() for row in rows})
    if len(widths) != 1 or widths[0] == 0:
        raise ConfigError(
            f"search_space.edge_ops: every edge must offer the same number of ops, at least one "
            f"(α is one [edges, ops] tensor per cell type); of search_space.ops={list(ops)} "
            f"the edges offer {' or '.join(map(str, widths))}"
        )
    return table


def column_labels(table: OpTable) -> list[str]:
    """The supernet's `ops` under per-edge lists: one label per α column."""
    width = len(next(iter(table.values()))[0])
    return [f"edge_op{j}" for j in range(width)]


def ops_on_every_edge(space: Any, excluded: Sequence[str] = ()) -> list[str]:
    """The ops of a search-space config (`search_space.ops`, `edge_ops`) that every edge of every
    cell type offers, `excluded` (an activation's) left out: what a method needing an op on each
    edge can count on, known before anything is built."""
    rows = [row for rows in (space.get("edge_ops") or {}).values() for row in rows]
    return [op for op in space.ops if op not in excluded and all(op in row for row in rows)]
