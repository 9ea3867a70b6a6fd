"""DARTS-ES (Zela et al. 2020, automl/RobustDARTS `src/utils.py` EVLocalAvg): stop the search
when the dominant Hessian eigenvalue (callbacks/hessian.py) has grown too fast, and keep the
architecture of an epoch before the rise (callbacks=[darts_es]).

The eigenvalues e₀, e₁, … (every `every_n_epochs` epochs) are smoothed by a centred local
average over `window` values, truncated at the start: once ⌈window/2⌉ values exist, the newest
average is the mean of the last `window` values (of all of them while fewer), credited to the
epoch ⌊window/2⌋ evaluations back. Once the average `delta` entries earlier belongs to an epoch
≥ `start_epoch`, the search stops when newest / that earlier average > `factor`; its genotype
is then that earlier epoch's (α and CRB's pruning state are rolled back to it when training
ends, so genotype.json, alphas.json and every report describe it, while the per-epoch records
keep what each epoch saw; search.log says so). Under DDP the ranks decide on their mean
eigenvalue. Not with perf.compile (a compiled supernet has no double backward). Their
defaults: window 5, delta 4, factor 1.3, start epoch 10, every 2 epochs.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import lightning as L
import torch

from darts_lab.callbacks.hessian import HessianEigenvalue
from darts_lab.config import check

log = logging.getLogger("darts_lab.search")


class LocalAverage:
    """EVLocalAvg's arithmetic, apart from training so it can be checked by hand."""

    def __init__(self, window: int = 5, delta: int = 4, factor: float = 1.3, start_epoch: int = 10):
        self.window, self.delta, self.factor, self.start_epoch = window, delta, factor, start_epoch
        self.values: list[float] = []
        self.averages: list[float] = []
        self.average_epochs: list[int] = []

    def update(self, epoch: int, value: float, every: int) -> int | None:
        """Add the eigenvalue of `epoch`; return the epoch to roll back to if the rule fires."""
        self.values.append(value)
        if len(self.values) < math.ceil(self.window / 2):
            return None
        self.averages.append(sum(self.values[-self.window :]) / len(self.values[-self.window :]))
        self.average_epochs.append(epoch - every * (self.window // 2))
        if len(self.averages) <= self.delta:
            return None
        earlier = self.average_epochs[-1 - self.delta]
        if earlier < self.start_epoch:
            return None
        if self.averages[-1] / self.averages[-1 - self.delta] > self.factor:
            return earlier
        return None

    def state_dict(self) -> dict:
        return {"values": self.values, "averages": self.averages, "epochs": self.average_epochs}

    def load_state_dict(self, state: dict) -> None:
        self.values = list(state.get("values", []))
        self.averages = list(state.get("averages", []))
        self.average_epochs = list(state.get("epochs", []))


class DartsEs(HessianEigenvalue):
    def __init__(
        self,
        every_n_epochs: int = 2,
        window: int = 5,
        delta: int = 4,
        factor: float = 1.3,
        start_epoch: int = 10,
        mode: str = "auto",
        max_exact: int = 64,
        tol: float = 1e-3,
    ) -> None:
        super().__init__(every_n_epochs, mode, max_exact, tol)
        for name, value, low in (
            ("window", window, 1),
            ("delta", delta, 1),
            ("start_epoch", start_epoch, 0),
        ):
            check(
                f"callbacks.darts_es.{name}",
                value,
                lambda v, low=low: isinstance(v, int) and v >= low,
                f"an integer >= {low}",
            )
        check("callbacks.darts_es.factor", factor, lambda v: v > 0, "a number > 0")
        self.rule = LocalAverage(window, delta, factor, start_epoch)
        self.snapshots: dict[int, dict[str, torch.Tensor]] = {}  # α (+ pruning), evaluated epochs
        self.stopped: dict[str, Any] = {}

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        if self.due(trainer):  # the rule only ever selects an epoch with an eigenvalue
            self.snapshots[trainer.current_epoch] = {
                k: v.detach().cpu().clone() for k, v in module.arch.state_dict().items()
            }
        super().on_train_epoch_end(trainer, module)

    def after_eigenvalue(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        epoch = trainer.current_epoch
        back = self.rule.update(epoch, self.values[-1], self.every)
        if back is None or epoch == trainer.max_epochs - 1:  # ending anyway: keep its own α
            return
        ratio = self.rule.averages[-1] / self.rule.averages[-1 - self.rule.delta]
        self.stopped = {"stopped_epoch": epoch, "selected_epoch": back, "ratio": ratio}
        trainer.should_stop = True  # α goes back when training ends (on_train_end)
        log.info(
            "DARTS-ES: the eigenvalue's local average rose %.2f× from epoch %d to %d (> %g): "
            "search stopped after epoch %d; the genotype is epoch %d's",
            ratio,
            back,
            self.rule.average_epochs[-1],
            self.rule.factor,
            epoch,
            back,
        )

    def on_train_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        """Roll α (and CRB's pruning) back to the selected epoch, before the run is exported;
        the per-epoch records (α history, oracle curve) keep what each epoch saw."""
        if not self.stopped:
            return
        back = self.stopped["selected_epoch"]
        module.arch.load_state_dict(
            {k: v.to(module.device) for k, v in self.snapshots[back].items()}
        )
        module.net.set_alive(module.arch.alive())

    def state_dict(self) -> dict:
        return {
            **super().state_dict(),
            "rule": self.rule.state_dict(),
            "stopped": self.stopped,
            "snapshots": {str(e): s for e, s in self.snapshots.items()},
        }

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        self.rule.load_state_dict(state_dict.get("rule", {}))
        self.stopped = dict(state_dict.get("stopped", {}))
        self.snapshots = {int(e): s for e, s in state_dict.get("snapshots", {}).items()}

    def draw(self, ax: Any) -> None:
        super().draw(ax)
        if self.rule.averages:
            ax.plot(self.rule.average_epochs, self.rule.averages, "s--", label="local average")
        if self.stopped:
            ax.axvline(self.stopped["selected_epoch"], color="k", ls=":", label="DARTS-ES genotype")

    def report(self, genotype: Any) -> dict:
        return {**super().report(genotype), "local_average": self.rule.state_dict(), **self.stopped}
