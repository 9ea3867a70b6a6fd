"""Local search as White et al. (UAI 2021, "Exploring the loss landscape in neural architecture
search") and NASLib's `ls` optimizer run it: from a random cell, train every one-edit neighbour
(in random order), move to the best of them if it beats the current cell, and at a local
optimum start again from a random cell not trained yet; the winner is the best cell trained.
A neighbour trained before (the cell just left, say) costs no query."""

from __future__ import annotations

import random

from darts_lab.baseline.base import Baseline, Exhausted, Queries, TableView


class LocalSearch(Baseline):
    label = "local search"
    order = 2

    def search(self, view: TableView, queries: Queries, rng: random.Random) -> None:
        while untried := queries.untried():
            self.climb(view, queries, rng.choice(untried), rng)
        raise Exhausted  # every cell of the space trained

    @staticmethod
    def climb(view: TableView, queries: Queries, start: str, rng: random.Random) -> str:
        """Hill-climb from `start` to a local optimum (by validation accuracy); returns it."""
        current = start
        queries(current)
        while True:
            neighbours = list(view.neighbours(current))
            rng.shuffle(neighbours)
            for arch in neighbours:
                queries(arch, current)
            best = max(neighbours, key=queries)  # the first in the shuffled order among ties
            if queries(best) <= queries(current):
                return current
            current = best
