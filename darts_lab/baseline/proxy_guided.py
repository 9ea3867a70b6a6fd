"""Proxy-guided search: draw `pool` architectures uniformly without replacement, score each with
a training-free proxy (darts_lab/proxy/; the table's stored scores of one initialisation), train
only the `budget` best by that score (ties in the order drawn) and keep the best of those by
validation accuracy. Its cost is `pool` proxy evaluations plus `budget` trained cells."""

from __future__ import annotations

import math
import random

from darts_lab.baseline.base import Baseline, Queries, TableView


class ProxyGuided(Baseline):
    order = 3

    def __init__(self, proxy: str, pool: int = 1000) -> None:
        self.proxy, self.pool = proxy, pool
        self.label = f"{proxy}-guided (N={pool})"

    def row(self, budget: int) -> str:
        return f"{self.proxy}-guided (N={self.pool}, k={budget})"

    def applies(self, view: TableView) -> bool:
        return self.proxy in view.proxies

    def proxy_seconds(self, view: TableView) -> float:
        """Seconds to score the pool."""
        return min(self.pool, len(view.archs)) * view.proxies[self.proxy][1]

    def cost(self, view: TableView, queries: int) -> float | None:
        trained = super().cost(view, queries)
        return None if trained is None else self.proxy_seconds(view) + trained

    def budget_for(self, view: TableView, seconds: float) -> int | None:
        return super().budget_for(view, max(0.0, seconds - self.proxy_seconds(view)))

    def ranked(self, view: TableView, rng: random.Random) -> list[str]:
        """The pool, best proxy score first (a score that could not be computed: last)."""
        score = view.proxies[self.proxy][0]
        pool = rng.sample(view.archs, min(self.pool, len(view.archs)))
        value = {arch: score(arch) for arch in pool}
        return sorted(pool, key=lambda a: -math.inf if value[a] is None else value[a], reverse=True)

    def search(self, view: TableView, queries: Queries, rng: random.Random) -> None:
        for arch in self.ranked(view, rng)[: queries.budget]:
            queries(arch)
