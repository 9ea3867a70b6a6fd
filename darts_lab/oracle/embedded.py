"""The embedded benchmark as an oracle (`oracle=embedded`): every epoch Π_S(α) is looked up in
the shipped table (darts_lab/benchmark/) and its mean test accuracy, regret (best in the table −
this) and percentile are logged as `oracle/test_acc`, `oracle/regret`, `oracle/percentile`; the
final values go to benchmark.json and the regret curve to oracle.png (GAEA Fig. 4 style)."""

from __future__ import annotations

from pathlib import Path

import lightning as L
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from darts_lab.benchmark.table import SHIPPED, load_table  # noqa: E402
from darts_lab.config import ConfigError  # noqa: E402
from darts_lab.oracle.base import Oracle  # noqa: E402
from darts_lab.search_space.base import GenotypeBase, SearchSpace  # noqa: E402


class EmbeddedOracle(Oracle):
    name = "embedded"

    def __init__(self, table: str | None = None) -> None:
        self.path = Path(table).expanduser() if table else SHIPPED
        self.table = load_table(self.path)
        self.history: list[dict[str, float]] = []

    def check(self, space: SearchSpace) -> None:
        ops = list(self.table.protocol["ops"])
        if list(space.ops) != ops:
            raise ConfigError(
                f"oracle=embedded scores cells over the ops {ops}, but search_space.ops is "
                f"{list(space.ops)} (use +overlay=embedded)"
            )

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        score = self.table.score(str(module.genotype()))
        self.history.append(score)
        module.log_dict({f"oracle/{key}": value for key, value in score.items()})

    def summary(self, report: dict) -> str:
        return (
            f"true test accuracy {100 * report['test_acc']:.2f} %, regret "
            f"{100 * report['regret']:.2f} points, percentile {report['percentile']:.0f} "
            f"(embedded oracle)"
        )

    def state_dict(self) -> dict:
        """The per-epoch scores travel in Lightning checkpoints, so a resumed run's
        benchmark.json and oracle.png cover the whole search."""
        return {"history": self.history}

    def load_state_dict(self, state_dict: dict) -> None:
        self.history = list(state_dict.get("history", []))

    def report(self, genotype: GenotypeBase) -> dict:
        return {
            "arch": str(genotype),
            **self.table.score(str(genotype)),
            "best_in_table": max(self.table.test_accuracies()),
            "table": str(self.path),
            "table_code_version": self.table.code_version,
            "per_epoch": self.history,
        }

    def figures(self, run_dir: Path) -> list[Path]:
        if not self.history:
            return []
        fig, ax = plt.subplots(figsize=(5, 3.2))
        ax.plot(range(1, len(self.history) + 1), [100 * h["regret"] for h in self.history], "o-")
        ax.set(xlabel="epoch", ylabel="regret of Π_S(α) (test acc. points)", ylim=(0, None))
        ax.set_title("embedded benchmark: regret per epoch")
        fig.tight_layout()
        path = run_dir / "oracle.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        return [path]
