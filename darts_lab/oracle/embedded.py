"""The embedded benchmark as an oracle (`oracle=embedded`): every epoch Π_S(α) is looked up in
the shipped table (darts_lab/benchmark/) and its mean test accuracy, regret (best in the table −
this) and percentile are logged as `oracle/test_acc`, `oracle/regret`, `oracle/percentile`; the
final values go to benchmark.json and the regret curve to oracle.png (GAEA Fig. 4 style)."""

from __future__ import annotations

from pathlib import Path

from darts_lab.benchmark.table import SHIPPED, load_table
from darts_lab.config import ConfigError
from darts_lab.oracle.base import RegretOracle, Scores
from darts_lab.search_space.base import GenotypeBase, SearchSpace
from darts_lab.search_space.nb201 import Nb201Genotype


class EmbeddedOracle(RegretOracle):
    name = "embedded"
    genotype_type = Nb201Genotype
    title = "embedded benchmark: regret per epoch"

    def __init__(self, table: str | None = None) -> None:
        super().__init__()
        self.path = Path(table).expanduser() if table else SHIPPED
        self.table = load_table(self.path, option="oracle.table")

    def check(self, space: SearchSpace) -> None:
        ops = list(self.table.protocol["ops"])
        if list(space.ops) != ops:
            raise ConfigError(
                f"oracle=embedded scores cells over the ops {ops}, but search_space.ops is "
                f"{list(space.ops)} (use +overlay=embedded)"
            )

    def score(self, genotype: GenotypeBase) -> dict[str, float]:
        return self.table.score(str(genotype))

    def summary(self, report: dict) -> str:
        return (
            f"true test accuracy {100 * report['test_acc']:.2f} %, regret "
            f"{100 * report['regret']:.2f} points, percentile {report['percentile']:.0f} "
            f"(embedded oracle)"
        )

    def report(self, genotype: GenotypeBase) -> dict:
        return {
            "oracle": self.name,
            "arch": str(genotype),
            **self.table.score(str(genotype)),
            "best_in_table": max(self.table.test_accuracies()),
            "table": str(self.path),
            "table_code_version": self.table.code_version,
            "per_epoch": self.history,
        }

    @classmethod
    def baselines(cls, scores: Scores) -> Scores:
        """Random search on the table the runs were scored by (when they agree on one)."""
        from darts_lab.benchmark.regret import RANDOM_K, random_search

        tables = {r.get("table") for runs in scores.values() for r in runs}
        seeds = max((len(runs) for runs in scores.values()), default=0)
        if len(tables) != 1 or not seeds:
            return {}
        table = load_table(tables.pop() or SHIPPED)
        return {f"random search (k={RANDOM_K})": random_search(table, seeds=range(seeds))}
