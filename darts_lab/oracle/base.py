"""The interface of an oracle: a Lightning callback that looks up the current Π_S(α) every epoch
(logging `oracle/*`), and reports on the final genotype (benchmark.json). A search space names
the oracles that know its architectures (`Capabilities.oracles`)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import lightning as L
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from darts_lab.search_space.base import GenotypeBase, SearchSpace  # noqa: E402


class Oracle(L.Callback):
    name: ClassVar[str]  # its option in conf/oracle/

    def check(self, space: SearchSpace) -> None:
        """Raise ConfigError if this oracle cannot score this space's architectures."""

    def report(self, genotype: GenotypeBase) -> dict:
        """What benchmark.json holds for the final architecture."""
        raise NotImplementedError

    def summary(self, report: dict) -> str | None:
        """One line for the console about the final architecture, if the oracle has one."""
        return None

    def figures(self, run_dir: Path) -> list[Path]:
        """Figures of the search as the oracle saw it, written into run_dir."""
        return []


class RegretOracle(Oracle):
    """An oracle that scores Π_S(α) every epoch (`score`: test accuracy and regret, in
    fractions), logs it as `oracle/*`, keeps the curve in Lightning checkpoints (a resumed
    run's benchmark.json and oracle.png cover the whole search) and draws it (GAEA Fig. 2/4)."""

    title: ClassVar[str]  # of oracle.png

    def __init__(self) -> None:
        self.history: list[dict[str, float]] = []

    def score(self, genotype: GenotypeBase) -> dict[str, float]:
        raise NotImplementedError

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        score = self.score(module.genotype())
        self.history.append(score)
        module.log_dict({f"oracle/{key}": value for key, value in score.items()})

    def state_dict(self) -> dict:
        return {"history": self.history}

    def load_state_dict(self, state_dict: dict) -> None:
        self.history = list(state_dict.get("history", []))

    def figures(self, run_dir: Path) -> list[Path]:
        if not self.history:
            return []
        fig, ax = plt.subplots(figsize=(5, 3.2))
        epochs = range(1, len(self.history) + 1)
        ax.plot(epochs, [100 * h.get("regret", float("nan")) for h in self.history], "o-")
        ax.set(xlabel="epoch", ylabel="regret of Π_S(α) (test acc. points)", ylim=(0, None))
        ax.set_title(self.title)
        fig.tight_layout()
        path = run_dir / "oracle.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        return [path]
