"""Regularized (aging) evolution, Real et al. (AAAI 2019), Algorithm 1: a population of
`population` cells drawn at random; then, until the budget is spent, a tournament of `sample`
members drawn with replacement, the best of them by validation accuracy is the parent, its child
changes one edge's op to another (a one-edit neighbour, uniformly), joins the population, and
the oldest member leaves. P = 10 and S = 3 are NATS-Bench's settings for its topology space
(D-X-Y/AutoDL-Projects exps/NATS-algos/regularized_ea.py: --ea_population 10 --ea_sample_size
3); NASLib's defaults (P 30, S 10) would leave budgets up to 30 as random search."""

from __future__ import annotations

import random
from collections import deque

from darts_lab.baseline.base import Baseline, Queries, TableView


class RegularizedEvolution(Baseline):
    label = "regularized evolution"
    order = 1

    def __init__(self, population: int = 10, sample: int = 3) -> None:
        self.population, self.sample = population, sample

    def search(self, view: TableView, queries: Queries, rng: random.Random) -> None:
        population: deque[str] = deque()
        while len(population) < self.population:
            arch = rng.choice(view.archs)
            queries(arch)
            population.append(arch)
        while True:
            tournament = [rng.choice(population) for _ in range(self.sample)]
            parent = max(tournament, key=queries)  # trained already: no query spent
            child = mutate(view, parent, rng)
            queries(child, parent)
            population.append(child)
            population.popleft()


def mutate(view: TableView, parent: str, rng: random.Random) -> str:
    """The parent with one edge's op changed to another: a uniformly drawn one-edit neighbour."""
    return rng.choice(view.neighbours(parent))
