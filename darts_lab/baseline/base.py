"""The interface of a black-box baseline: a search that spends a budget of *queries* on an
oracle's table (`TableView`, from `RegretOracle.table_view`) and names its winner. A query is
one trained cell, answered as a real search would learn it: the cell's validation accuracy of
one training run (`TableView.validate`); the winner is then scored by the table's test accuracy
(`TableView.score`). Asking again for a cell already trained costs nothing: a query is a distinct
architecture. Each baseline is one module here and one option in conf/baseline/ (its name is the
file's stem, read from there, never typed a second time), like the oracles and the proxies.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hydra.utils import instantiate
from omegaconf import OmegaConf

from darts_lab.config import ConfigError
from darts_lab.config_path import conf_dir, group_targets

CONF = conf_dir() / "baseline"
FREE_STEPS = 1000  # steps in a row that train nothing new before a search gives up


@dataclass(frozen=True)
class TableView:
    """What a baseline may ask of a table: the space (`archs`, a fixed order), one query
    (`validate`: validation accuracy of one training run, a fraction), the winner's score
    (`score`: test_acc, regret, percentile, as the oracle reports them), the one-edit
    neighbours of a cell, the seconds one query costs (None: not recorded), and training-free
    scores with their seconds per cell (`proxies`: name → (score of an arch or None, seconds))."""

    archs: tuple[str, ...]
    validate: Callable[[str], float]
    score: Callable[[str], dict[str, float]]
    neighbours: Callable[[str], list[str]]
    seconds_per_query: float | None = None
    proxies: dict[str, tuple[Callable[[str], float | None], float]] = field(default_factory=dict)
    about: str = ""  # one line: which table, what a query returns, where the seconds come from


class Exhausted(Exception):
    """The budget is spent (or every architecture of the space has been trained)."""


class Queries:
    """The cells a search has trained, at most `budget` distinct ones, in the order trained;
    `trace` keeps (arch, parent) for every query (parent None for a random draw)."""

    def __init__(self, view: TableView, budget: int) -> None:
        if budget < 1:
            raise ConfigError(f"a baseline's budget must be at least 1 query, not {budget}")
        self.view, self.budget = view, budget
        self.accuracy: dict[str, float] = {}
        self.trace: list[tuple[str, str | None]] = []
        self._free = 0

    def __call__(self, arch: str, parent: str | None = None) -> float:
        """The validation accuracy of `arch`, training it if it is new."""
        if arch in self.accuracy:
            self._free += 1
            if self._free > FREE_STEPS:
                raise Exhausted
            return self.accuracy[arch]
        if len(self.accuracy) >= min(self.budget, len(self.view.archs)):
            raise Exhausted
        self._free = 0
        self.accuracy[arch] = value = self.view.validate(arch)
        self.trace.append((arch, parent))
        return value

    def untried(self) -> list[str]:
        return [a for a in self.view.archs if a not in self.accuracy]

    def best(self) -> str:
        """The trained cell with the best validation accuracy (the first trained among ties)."""
        return max(self.accuracy, key=self.accuracy.__getitem__)


def baseline_options() -> dict[str, str]:
    """conf/baseline/: each option's name → the class it configures."""
    return group_targets("baseline")


class Baseline:
    """A search on a table; `run` spends at most `budget` queries with one seed."""

    name: str = ""  # its option in conf/baseline/ (set by `load`)
    label: str = ""  # how the report names it
    order: int = 0  # where the report lists it

    @staticmethod
    def load(name: str, option: str = "baseline") -> Baseline:
        """The baseline conf/baseline/<name>.yaml configures; an unknown name is one line."""
        if name not in baseline_options():
            raise ConfigError(
                f"{option}={name}: no such baseline; the options: "
                f"{', '.join(baseline_options())} (conf/baseline/)"
            )
        baseline = instantiate(OmegaConf.load(CONF / f"{name}.yaml"))
        baseline.name = name
        return baseline

    @staticmethod
    def available() -> list[Baseline]:
        """Every baseline of conf/baseline/, in the report's order."""
        return sorted((Baseline.load(n) for n in baseline_options()), key=lambda b: b.order)

    def applies(self, view: TableView) -> bool:
        """Whether this table gives the baseline what it needs (a proxy's scores, say)."""
        return True

    def row(self, budget: int) -> str:
        """The report's name of this baseline at a budget."""
        return f"{self.label} (k={budget})"

    def cost(self, view: TableView, queries: int) -> float | None:
        """Seconds spent by a run that trained `queries` cells (None: seconds not recorded)."""
        spq = view.seconds_per_query
        return None if spq is None else queries * spq

    def budget_for(self, view: TableView, seconds: float) -> int | None:
        """The cheapest budget whose cost is at least `seconds` (None: no seconds)."""
        spq = view.seconds_per_query
        return None if spq is None else max(1, -int(-seconds // spq))

    def search(self, view: TableView, queries: Queries, rng: random.Random) -> None:
        raise NotImplementedError

    def run(self, view: TableView, budget: int, seed: int) -> dict[str, Any]:
        """One seed: the winner's score (as the oracle reports a searched cell), its arch, the
        number of cells trained, the seconds that cost, and the trace of queries."""
        queries = Queries(view, budget)
        try:
            self.search(view, queries, random.Random(seed))
        except Exhausted:
            pass
        winner = queries.best()
        return {
            "seed": str(seed),
            "arch": winner,
            **view.score(winner),
            "queries": len(queries.accuracy),
            "cost_seconds": self.cost(view, len(queries.accuracy)),
            "trace": queries.trace,
        }
