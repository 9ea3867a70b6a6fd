"""Random search on the embedded table: the regret table's baseline row."""

from __future__ import annotations

import random

from darts_lab.embedded.cells import all_cells
from darts_lab.embedded.table import Table
from darts_lab.regret import RANDOM_K


def random_search(table: Table, k: int = RANDOM_K, seeds: range = range(4)) -> list[dict]:
    """Best of k architectures drawn uniformly from the whole space (all op assignments), chosen
    by one training seed's validation accuracy, scored by its mean test accuracy."""
    strings = [s for members in all_cells(table.protocol["ops"]).values() for s in members]
    results = []
    for seed in seeds:
        drawn = random.Random(seed).sample(strings, k)
        best = max(drawn, key=lambda arch: table.entry(arch)["runs"][0]["val_acc"])
        results.append({"seed": str(seed), "arch": best, **table.score(best)})
    return results
