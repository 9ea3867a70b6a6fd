"""The interface of a search's plug-in callbacks: Lightning callbacks that may also refuse a
search space, draw figures into the run dir and contribute a JSON report and a console line at
the end. The run collects these from every plug-in alike (darts_lab/export/run.py); none is
special-cased. `instantiate_callbacks` builds them from `callbacks` (any number, each under its
own key, as lightning-hydra-template's configs/callbacks/) and `oracle` (at most one).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import lightning as L
import matplotlib
from hydra.utils import instantiate
from omegaconf import DictConfig

from darts_lab.export.artifacts import save_figure
from darts_lab.search_space.base import GenotypeBase, SearchSpace

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


class SearchCallback(L.Callback):
    report_file: ClassVar[str | None] = None  # the run-dir JSON file `report` fills, if any

    @classmethod
    def check_space(cls, space: type[SearchSpace], option: str) -> None:
        """Before any plug-in is built: raise ConfigError (one line) for a space this kind of
        callback cannot watch (`option`: how the user chose the space)."""

    def check(self, space: SearchSpace) -> None:
        """Once built, against the supernet itself: raise ConfigError (one line) if unfit."""

    def figures(self, run_dir: Path) -> list[Path]:
        """Figures of the search as this callback saw it, written into run_dir."""
        return []

    def report(self, genotype: GenotypeBase) -> dict:
        """What `report_file` holds about the search's final architecture."""
        return {}

    def summary(self, report: dict) -> str | None:
        """One line for the console about the final architecture, if any."""
        return None


def callback_configs(cfg: DictConfig) -> list[DictConfig]:
    """The configs of the search's plug-ins: every entry of `callbacks` with a `_target_`,
    then the oracle."""
    configs = [c for c in (cfg.get("callbacks") or {}).values() if c and c.get("_target_")]
    if cfg.get("oracle") and cfg.oracle.get("_target_"):
        configs.append(cfg.oracle)
    return configs


def instantiate_callbacks(cfg: DictConfig) -> list[SearchCallback]:
    return [instantiate(c) for c in callback_configs(cfg)]


def epoch_figure(
    path: Path, title: str, ylabel: str, draw: Callable[[Any], None], **axes: Any
) -> Path:
    """One small per-epoch line chart of a callback (`draw` plots onto the axes), saved to path."""
    fig, ax = plt.subplots(figsize=(5, 3.2))
    draw(ax)
    ax.set(ylabel=ylabel, **{"xlabel": "epoch", **axes})
    ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend()
    fig.tight_layout()
    save_figure(fig, path, dpi=120)
    plt.close(fig)
    return path
