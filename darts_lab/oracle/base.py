"""The interface of an oracle: a Lightning callback that looks up the current Π_S(α) every epoch
(logging `oracle/*`), and reports on the final genotype (benchmark.json). A search space names
the oracles that know its architectures (`Capabilities.oracles`)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import lightning as L

from darts_lab.search_space.base import GenotypeBase, SearchSpace


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
