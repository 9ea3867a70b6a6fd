"""The embedded benchmark as an oracle (`oracle=embedded`): every epoch Π_S(α) is looked up in
the shipped table (darts_lab/embedded/) and its mean test accuracy, regret (best in the table −
this) and percentile are logged as `oracle/test_acc`, `oracle/regret`, `oracle/percentile`; the
final values go to oracle.json and the regret curve to oracle.png (GAEA Fig. 4 style)."""

from __future__ import annotations

import json
from pathlib import Path

from darts_lab.baseline.base import TableView
from darts_lab.callbacks.param_free_ops import nb201_parameter_free
from darts_lab.config import ConfigError
from darts_lab.embedded.table import SHIPPED, load_table
from darts_lab.oracle.base import RegretOracle
from darts_lab.search_space.base import GenotypeBase, SearchSpace
from darts_lab.search_space.nb201 import Nb201Genotype

RESULTS = SHIPPED.with_name("regret_results.json")  # make regret's rows, for the context line


class EmbeddedOracle(RegretOracle):
    genotype_type = Nb201Genotype
    title = "embedded benchmark: regret per epoch"
    results_file = RESULTS

    def __init__(self, table: str | None = None) -> None:
        super().__init__()
        self.path = Path(table).expanduser() if table else SHIPPED
        self.table = load_table(self.path, option="oracle.table")

    def check(self, space: SearchSpace) -> None:
        ops = list(self.table.protocol["ops"])
        if not set(space.ops) <= set(ops):  # a subset (FairDARTS, CRB: no none) is in the table
            raise ConfigError(
                f"oracle=embedded scores cells over the ops {ops}, but search_space.ops is "
                f"{list(space.ops)} (use +overlay=embedded)"
            )

    def score(self, genotype: GenotypeBase) -> dict[str, float]:
        return self.table.score(str(genotype))

    def summary(self, report: dict) -> str:
        line = (
            f"true test accuracy {100 * report['test_acc']:.2f} %, regret "
            f"{100 * report['regret']:.2f} points, percentile {report['percentile']:.0f} "
            f"(embedded oracle)"
        )
        return line + self.context(report)

    def context(self, report: dict, experiment: str | None = None) -> str:
        """One seed is an anecdote: the method's regret over the seeds of `make regret`
        (the shipped regret_results.json), when this run used the shipped table."""
        from darts_lab.run_name import experiment_name

        experiment = experiment or experiment_name()
        if self.path != SHIPPED:
            return ""
        if not RESULTS.is_file():
            return "\none seed is an anecdote: `make regret` runs every row with 10 seeds"
        methods = json.loads(RESULTS.read_text())["methods"]
        if experiment not in methods:
            return (
                f"\none seed is an anecdote: `make regret` has no row for {experiment}; "
                f"{', '.join(sorted(methods))} have 10 seeds each (README)"
            )
        if differs := self.not_the_row(experiment):
            return (
                f"\none seed is an anecdote, and this run is not `make regret`'s {experiment} "
                f"row (conf/regret.yaml), so it is not compared with it: {differs}"
            )
        row = methods[experiment]
        low, high = row["ci95"]
        return (
            f"\n{experiment} on this benchmark over {len(row['regret'])} seeds (make regret): "
            f"median regret {row['median']:.2f} points, mean {row['mean']:.2f} (95 % CI "
            f"{low:.2f}-{high:.2f}), {100 * row['collapsed']:.0f} % collapsed; this seed: "
            f"{100 * report['regret']:.2f}"
        )

    @staticmethod
    def not_the_row(experiment: str) -> str | None:
        """How this run's overrides differ from `make regret`'s row of `experiment` (seed,
        logger, progress bar and paths aside), or None where they match or are unknown (a
        search composed in-process)."""
        from hydra.core.hydra_config import HydraConfig

        from darts_lab.embedded.regret_rows import computing, row_overrides

        row = row_overrides(experiment)
        if row is None or not HydraConfig.initialized():
            return None
        ours, theirs = computing(list(HydraConfig.get().overrides.task)), computing(row)
        if ours == theirs:
            return None
        changes = [*sorted(ours - theirs), *(f"not {o}" for o in sorted(theirs - ours))]
        return " ".join(changes)

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
    def parameter_free(cls, report: dict) -> int | None:
        return nb201_parameter_free(report["arch"])

    @classmethod
    def transfer(cls, report: dict) -> float | None:
        """The cell's CIFAR-10 accuracy in AnalogNAS-Bench, when that package is installed."""
        from darts_lab.data.analognas_bench import installed_accuracies, to_codes

        table = installed_accuracies()
        return None if table is None else table[to_codes(report["arch"])]

    @classmethod
    def table_view(cls, reports: list[dict]) -> TableView | None:
        """The table the runs were scored by (when they agree on one), with its proxy scores."""
        from darts_lab.embedded.view import embedded_view, proxy_file

        tables = {r.get("table") for r in reports}
        if len(tables) != 1:
            return None
        path = Path(tables.pop() or SHIPPED).expanduser()
        return embedded_view(load_table(path), proxy_file(path))
