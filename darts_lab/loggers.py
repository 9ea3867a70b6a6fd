"""The run's loggers: W&B runs grouped by experiment, named by seed, tagged with the option
chosen in each config group (darts_lab/run_name.py); every logger gets the full resolved config."""

from __future__ import annotations

import csv
import logging
import os
from pathlib import Path
from typing import Any

import lightning as L
from hydra.utils import instantiate
from lightning.pytorch import loggers
from lightning.pytorch.loggers import Logger
from lightning.pytorch.loggers.csv_logs import ExperimentWriter
from omegaconf import DictConfig

from darts_lab.oracle.base import Oracle
from darts_lab.run_name import run_labels
from darts_lab.threads import current_threads

log = logging.getLogger("darts_lab.search")  # the run's facts belong to the search's log


class WandbLogger(loggers.WandbLogger):
    """Lightning's W&B logger, configured for what W&B 0.31 expects: no `anonymous` init
    argument (Lightning always passes one, W&B warns that it has no effect), and W&B's console
    `silent` (its banner, tips and run-history dump; the search logs the run's `wandb sync`
    line itself)."""

    def __init__(self, silent: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._wandb_init.pop("anonymous", None)
        self._wandb_init.setdefault("settings", {})["silent"] = silent


class CSVLogger(loggers.CSVLogger):
    """Lightning's CSVLogger, appending: Lightning's deletes an existing metrics.csv when a run
    resumes, and with it the per-epoch history of the epochs before the kill. Rows of an epoch
    the kill cut short stay (their `epoch` column says which); its epoch-end rows were never
    written, so each epoch's summary row appears once."""

    @property
    def experiment(self) -> Any:
        if self._experiment is None:
            self._experiment = _AppendingWriter(self.log_dir)
        return self._experiment


class _AppendingWriter(ExperimentWriter):
    def _check_log_dir_exists(self) -> None:  # keep metrics.csv; continue its columns
        if os.path.isfile(self.metrics_file_path):
            with open(self.metrics_file_path, newline="") as f:
                self.metrics_keys = list(csv.DictReader(f).fieldnames or [])


def make_loggers(cfg: DictConfig, run_dir: Path, run_id: str) -> list[Logger]:
    """The config's logger, with nothing written yet (lit/lifecycle.py's `log_hyperparams`
    starts it): a refused or finished-earlier launch leaves the run's logs as they are. `run_id`
    (run.json's) is the W&B run id, so a resumed run logs into the run it continues."""
    if not cfg.get("logger"):
        return []
    extra = {}
    if cfg.logger._target_.endswith("WandbLogger"):  # dashboards: group = experiment, run = seed
        experiment, tags = run_labels(cfg)
        extra = {
            "group": cfg.logger.get("group") or experiment,
            "name": cfg.logger.get("name") or f"{experiment}/seed{cfg.seed}",
            "tags": list(cfg.logger.get("tags") or tags),
            "id": run_id,
            "resume": "allow",
        }
    return [instantiate(cfg.logger, save_dir=str(run_dir), **extra)]


def close_loggers(trainer: L.Trainer) -> None:
    """Finish W&B runs so several searches in one process (tests, sweeps) get their own."""
    for logger in trainer.loggers:
        if isinstance(logger, loggers.WandbLogger) and logger._experiment is not None:
            logger.experiment.finish()


def log_facts(
    cfg: DictConfig,
    module: L.LightningModule,
    data: L.LightningDataModule,
    trainer: L.Trainer,
    run_dir: Path,
) -> None:
    """The run's key facts, once, into the log (and so into the run dir's search.log)."""
    experiment, tags = run_labels(cfg)
    log.info("search %s, seed %d: %s", experiment, cfg.seed, " ".join(tags))
    log.info(data.describe())
    log.info(
        "supernet: %d ops %s, %.3fM weights; device %s, %d thread(s), precision %s; run dir %s",
        len(module.net.ops),
        module.net.ops,
        sum(p.numel() for p in module.net.parameters()) / 1e6,
        trainer.strategy.root_device,
        current_threads(),  # not torch.*: cloudpickle (joblib) would try to pickle torch.ops
        trainer.precision,
        run_dir,
    )
    if not (cfg.get("oracle") or {}).get("_target_"):
        if known := Oracle.known_for(type(module.net)):
            log.info(
                "no oracle: %s (conf/oracle/) would log the true accuracy of the derived "
                "architecture every epoch",
                " or ".join(f"oracle={name}" for name in known),
            )
