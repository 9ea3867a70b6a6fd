"""The selection step: how the final cell is read from the supernet (conf/selection/).

A selection is an `nn.Module` (its state travels in the checkpoint) that the search module
binds to the supernet and its architecture once, before anything is restored. It may ask for
epochs of its own after the supernet's training (`epochs`); at the start of each of them the
search hands it a `SelectionContext` (`epoch_start`), and what it fixes there it fixes through
the architecture's pins (arch/pins.py), so Π_S of the pinned weights (`SearchModule.genotype`,
scored by the oracle every epoch) is its cell as it stands. `magnitude` (Π_S of α, DARTS) asks
for nothing; `pt` (perturbation, DARTS-PT) fixes one edge per cell type at a time. A new
selection is one module here and one yaml in conf/selection/.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from torch import nn
from torch.optim import Optimizer

if TYPE_CHECKING:
    from darts_lab.arch.architecture import Architecture
    from darts_lab.search_space.base import GenotypeBase, SearchSpace


@dataclass(frozen=True)
class Score:
    """The supernet's accuracy (a fraction) and mean loss on the selection's data."""

    accuracy: float
    loss: float


@dataclass
class SelectionContext:
    """What a selection may use of the search between two epochs."""

    score: Callable[[int | None], Score]  # the supernet as pinned now, on so many α batches
    genotype: Callable[[], GenotypeBase]  # Π_S of the pinned weights
    w_optimizer: Optimizer  # the supernet's weights' optimizer


class Selection(nn.Module):
    # the inputs (image, text) of the search spaces it can work on; None: any
    space_inputs: ClassVar[tuple[str, ...] | None] = None

    def bind(self, net: SearchSpace, arch: Architecture) -> None:
        """Once, when the search module is built (before a checkpoint is restored)."""

    def epochs(self) -> int:
        """Epochs it adds after the supernet's `trainer.max_epochs` (after `bind`)."""
        return 0

    def epoch_start(self, ctx: SelectionContext, epoch: int) -> None:
        """An epoch starts; `epoch` counts from the first of its own (negative before)."""

    def metrics(self) -> dict[str, float]:
        """What it logs once per epoch."""
        return {}

    def files(self) -> dict[str, Any]:
        """The run-dir JSON files it writes at the end, by name."""
        return {}

    def supernet_genotype(self) -> GenotypeBase | None:
        """Π_S of α when the supernet's epochs ended, where this selection went on to choose
        the final cell itself (None: Π_S's cell is the final one)."""
        return None
