"""Random search: `budget` architectures drawn uniformly without replacement from the whole
space (every op assignment, so a cell with more spellings is likelier), each trained once; the
winner is the best by validation accuracy. The regret table's first baseline."""

from __future__ import annotations

import random

from darts_lab.baseline.base import Baseline, Queries, TableView


class RandomSearch(Baseline):
    label = "random search"
    order = 0

    def search(self, view: TableView, queries: Queries, rng: random.Random) -> None:
        for arch in rng.sample(view.archs, min(queries.budget, len(view.archs))):
            queries(arch)
