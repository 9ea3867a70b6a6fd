"""One run's lifecycle, shared by the search (darts_lab/search.py) and the retraining
(darts_lab/train.py): claim the run directory (no other live process, no other run, a resume
point of this very run), a trainer with the checkpoints, requeue and identity every run has,
then, while the run holds the directory's lock, its record, logger start and status file.

    checkpoint = claim(cfg, run_dir, identity)
    trainer = make_trainer(cfg, run_dir, identity, loggers, [its own callbacks], **options)
    with holding(cfg, run_dir, trainer, record), status(run_dir):
        trainer.fit(...)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import lightning as L
from hydra.utils import instantiate
from lightning.pytorch.loggers import Logger
from omegaconf import DictConfig, OmegaConf

from darts_lab.export.artifacts import write_status
from darts_lab.lit.checkpoint_io import AtomicCheckpointIO, RunCheckpoint
from darts_lab.lit.fingerprint import Fingerprint, check_record, check_resume, write_record
from darts_lab.lit.preemption import (
    BatchCheckpoint,
    Requeue,
    cluster_plugins,
    requeued_checkpoint,
    resume_point,
)
from darts_lab.lit.run_lock import RunLock, refuse_if_in_use


def claim(cfg: DictConfig, run_dir: Path, identity: dict) -> str | None:
    """Refuse, in one line, a directory a live process holds or that holds another run; return
    the checkpoint to resume from (`resume=`, `resume=auto`, a requeued job's), checked to be
    safe to load and of this very run, or None."""
    refuse_if_in_use(run_dir)  # a running process's directory: say so first
    check_record(run_dir, identity)  # this directory's run, if it holds one (finished too)
    checkpoint = resume_point(cfg, run_dir)
    if checkpoint:
        check_resume(checkpoint, identity)
    return checkpoint


def make_trainer(
    cfg: DictConfig,
    run_dir: Path,
    identity: dict,
    loggers: list[Logger],
    callbacks: list[L.Callback],
    **options: Any,
) -> L.Trainer:
    """`cfg.trainer` with what every run has: a checkpoint at every epoch end (last.ckpt links
    to the newest) and every N batches if asked, SLURM requeue, the identity stored in each
    checkpoint, atomic checkpoint writes; then the run's own `callbacks`."""
    return instantiate(
        cfg.trainer,
        default_root_dir=str(run_dir),
        logger=loggers or False,
        callbacks=[
            RunCheckpoint(run_dir),
            *BatchCheckpoint.configured(cfg, run_dir),
            Requeue(run_dir),  # SLURM pre-emption: checkpoint, then requeue through submitit
            Fingerprint(identity),
            *callbacks,
        ],
        plugins=[*cluster_plugins(), AtomicCheckpointIO()],
        **options,
    )


@contextmanager
def holding(cfg: DictConfig, run_dir: Path, trainer: L.Trainer, record: dict) -> Iterator[None]:
    """The run holds its directory (rank 0, for the whole DDP job): nothing is written there
    before, so a refused or finished-earlier launch leaves it as it was. Inside: the record
    (written once: a resumed run keeps its first start's), no temporary file of a save a kill
    cut short, and the full resolved config in every logger (this starts them)."""
    with RunLock(run_dir).held(trainer):
        write_record(run_dir, record)
        trainer.checkpoint_callback.clean()
        log_hyperparams(cfg, trainer)
        yield


def log_hyperparams(cfg: DictConfig, trainer: L.Trainer) -> None:
    """The full resolved config, into every logger (this starts them)."""
    for logger in trainer.loggers:
        logger.log_hyperparams(OmegaConf.to_container(cfg, resolve=True))


@contextmanager
def status(run_dir: Path) -> Iterator[None]:
    """`status` says running while the block runs; an exception leaves `interrupted` (Ctrl-C,
    SIGTERM) or `failed` with its message, unless the run was requeued (it keeps `requeued`)."""
    write_status(run_dir, "running")
    try:
        yield
    except BaseException as e:
        state = "interrupted" if isinstance(e, (KeyboardInterrupt, SystemExit)) else "failed"
        if not requeued_checkpoint(run_dir):
            write_status(run_dir, state, f"{type(e).__name__}: {e}")
        raise
