"""The embedded table as baselines see it (darts_lab/baseline/): a query is a cell's seed-0
training run's validation accuracy, the winner is scored by its mean test accuracy over the
seeds (Table.score), a query costs the table's mean recorded seconds per training run, and the
proxies are the stored scores of the cell's seed-0 initialisation (fashion_nb201_proxies.json
beside the shipped table, `<table>_proxies.json` beside another), each costing its recorded
seconds per cell."""

from __future__ import annotations

import functools
import json
import statistics
from pathlib import Path

from darts_lab.baseline.base import TableView
from darts_lab.baseline.nb201 import nb201_neighbours
from darts_lab.embedded.cells import all_cells, expression
from darts_lab.embedded.table import SHIPPED, Table
from darts_lab.search_space.nb201 import Nb201Genotype


def proxy_file(table_path: Path) -> Path:
    """Where `python -m darts_lab.embedded proxies` writes a table's proxy scores."""
    return table_path.with_name(
        "fashion_nb201_proxies.json" if table_path == SHIPPED else f"{table_path.stem}_proxies.json"
    )


def embedded_view(table: Table, proxies: Path | None = None) -> TableView:
    """`table` as a TableView; proxies from `proxies` when that file scored this protocol."""
    ops = tuple(table.protocol["ops"])
    groups = all_cells(ops)
    key = {arch: k for k, members in groups.items() for arch in members}
    archs = tuple(key)  # every cell's spellings, in all_cells order (random search's draws)

    def validate(arch: str) -> float:
        return table.cells[key[arch]]["runs"][0]["val_acc"]

    @functools.cache
    def _score(cell: str) -> dict[str, float]:
        return table.score(table.cells[cell]["arch"])

    seconds = [run.get("seconds") for cell in table.cells.values() for run in cell["runs"]]
    per_run = None if None in seconds or not seconds else statistics.mean(seconds)
    about = (
        f"the embedded table ({len(table.cells)} distinct cells, {len(archs)} architectures): a "
        f"query is a cell's seed-0 validation accuracy"
        + (f" and costs the table's mean {per_run:.2f} s per training run" if per_run else "")
    )
    return TableView(
        archs=archs,
        validate=validate,
        score=lambda arch: _score(key.get(arch) or expression(Nb201Genotype.from_string(arch).ops)),
        neighbours=lambda arch: nb201_neighbours(arch, ops),
        seconds_per_query=per_run,
        proxies=_proxies(proxies, table, key) if proxies is not None else {},
        about=about,
    )


def _proxies(path: Path, table: Table, key: dict[str, str]) -> dict:
    """name → (the seed-0 initialisation's score of an arch, seconds per scored cell)."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    if data.get("settings", {}).get("protocol") != table.protocol:
        return {}
    cells = data["cells"]
    out = {}
    for name, timing in data.get("seconds", {}).items():
        if not all(name in cell["scores"] for cell in cells.values()):
            continue

        def score(arch: str, name: str = name) -> float | None:
            cell = key.get(arch) or expression(Nb201Genotype.from_string(arch).ops)
            return cells[cell]["scores"][name][0]

        out[name] = (score, timing["total"] / timing["evaluations"])
    return out
