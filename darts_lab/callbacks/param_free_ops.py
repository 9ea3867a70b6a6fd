"""Skip-connect collapse, watched (callbacks=[param_free_ops]): after each epoch, the number of
parameter-free ops (skip_connect, pools, none, R-DARTS's noise) the current Π_S(α) keeps, per cell
type (per-edge op lists, R-DARTS S1: each edge's own names). DARTS's collapse shows as this count
climbing (R-DARTS, Zela et al. 2020; DARTS+, Liang et al. 2019). Logged as
`collapse/param_free/<cell type>` and drawn as param_free_ops.png. Costs one Π_S per epoch (a
host sync), nothing per step."""

from __future__ import annotations

from pathlib import Path

import lightning as L
import torch

from darts_lab.callbacks.base import SearchCallback, epoch_figure
from darts_lab.search_space.base import GenotypeBase

PARAMETER_FREE = (
    "none",
    "noise",  # R-DARTS's S4: N(0, 1) noise, no weights
    "skip_connect",
    "max_pool_3x3",
    "avg_pool_3x3",
    "maxpool3x3",  # NAS-Bench-101 / 1Shot1
)


def nb201_parameter_free(arch: str) -> int:
    """How many of a NAS-Bench-201 cell's six edges carry a parameter-free op."""
    from darts_lab.search_space.nb201 import Nb201Genotype

    return sum(op in PARAMETER_FREE for op in Nb201Genotype.from_string(arch).ops)


class ParamFreeOps(SearchCallback):
    report_file = "collapse.json"

    def __init__(self) -> None:
        self.history: list[dict[str, int]] = []

    @staticmethod
    def count(module: L.LightningModule) -> dict[str, int]:
        """Per cell type, how many of the ops Π_S(α) keeps are parameter-free."""
        chosen, table = module.arch.projection(), module.net.op_table()
        free = {k: [[op in PARAMETER_FREE for op in row] for row in table[k]] for k in table}
        return {
            k: int((chosen[k] * torch.tensor(free[k], device=chosen[k].device)).sum())
            for k in module.arch.op_keys
        }

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        counts = self.count(module)
        self.history.append(counts)
        module.log_dict({f"collapse/param_free/{k}": float(v) for k, v in counts.items()})

    def state_dict(self) -> dict:
        return {"history": self.history}

    def load_state_dict(self, state_dict: dict) -> None:
        self.history = [dict(h) for h in state_dict.get("history", [])]

    def figures(self, run_dir: Path) -> list[Path]:
        if not self.history:
            return []
        epochs = range(1, len(self.history) + 1)

        def draw(ax) -> None:  # noqa: ANN001
            for cell in self.history[0]:
                ax.plot(epochs, [h[cell] for h in self.history], "o-", label=cell)

        path = epoch_figure(
            run_dir / "param_free_ops.png",
            "skip-connect collapse watch",
            "parameter-free ops in Π_S(α)",
            draw,
            ylim=(0, None),
        )
        return [path]

    def report(self, genotype: GenotypeBase) -> dict:
        return {
            "param_free_ops": self.history[-1] if self.history else {},
            "per_epoch": self.history,
        }
