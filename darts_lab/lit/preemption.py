"""Pre-emption, time-outs and crashes that lose nothing: requeue on SLURM and mid-epoch
checkpoints.

On SLURM (`hydra/launcher=slurm`, submitit), submitit gives a job a signal (USR2 by default:
sbatch `--signal`, or the partition's `preempt_send_user_signal`) before SLURM kills it.
submitit's own handler calls the launcher's `checkpoint()`, which resubmits the same job, and
exits at once, wherever the step is. `Requeue` takes the signal first and only notes it: the
batch in flight ends, checkpoints/requeue.ckpt and status `requeued` are written, and only then
is the signal handed to submitit. The requeued job starts in the same run directory, reads
`requeued` and resumes from that checkpoint by itself (`requeued_checkpoint`), batch for batch
(data/resumable.py).

`BatchCheckpoint` (`checkpoint.every_n_train_steps`) bounds what a crash without warning costs
when one epoch lasts hours (ImageNet, PTB at 850 units); `newest_checkpoint` is what `resume=DIR`
continues from.
"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path
from types import FrameType
from typing import Any

import lightning as L
from lightning.pytorch.plugins.environments import SLURMEnvironment
from omegaconf import DictConfig, OmegaConf

from darts_lab.config import ConfigError
from darts_lab.export.artifacts import read_status, write_status

log = logging.getLogger("darts_lab.requeue")

AUTO = "auto"  # resume=auto: finish what this run directory holds (README "Sweeps")
CHECKPOINT = "requeue.ckpt"
EVERY_N = "steps.ckpt"


def submitit_handler() -> tuple[int, Any] | None:
    """(signal, submitit's handler) inside a submitit job; None anywhere else."""
    try:
        from submitit import JobEnvironment
        from submitit.core.job_environment import SignalHandler
    except ImportError:  # submitit is the slurm launcher's; nothing to cooperate with
        return None
    signum = JobEnvironment._usr_sig()
    handler = signal.getsignal(signum)
    ours = isinstance(getattr(handler, "__self__", None), SignalHandler)
    return (signum, handler) if ours else None


def cluster_plugins() -> list:
    """On SLURM, Lightning would requeue the job itself on USR1 as well: submitit does it."""
    return [SLURMEnvironment(auto_requeue=False)] if SLURMEnvironment.detect() else []


def requeued_checkpoint(run_dir: Path) -> str | None:
    """The checkpoint a requeued job resumes from, when this run dir was requeued."""
    path = run_dir / "checkpoints" / CHECKPOINT
    requeued = (run_dir / "status").is_file() and read_status(run_dir) == "requeued"
    return str(path) if requeued and path.is_file() else None


def newest_checkpoint(folder: Path) -> Path | None:
    """The newest of last.ckpt (epoch ends), requeue.ckpt and steps.ckpt in a checkpoints folder
    (on_exception.ckpt is never chosen: it may be the state that failed)."""
    found = [folder / name for name in ("last.ckpt", CHECKPOINT, EVERY_N)]
    found = [path for path in found if path.is_file()]
    return max(found, key=lambda path: path.stat().st_mtime_ns) if found else None


def resume_path(resume: str | None) -> str | None:
    """`resume=` takes a checkpoint file or a run directory (the newest of its checkpoints/
    last.ckpt, requeue.ckpt and steps.ckpt)."""
    if not resume:
        return None
    path = Path(resume).expanduser()
    if path.is_dir():
        path = newest_checkpoint(path / "checkpoints") or path / "checkpoints" / "last.ckpt"
    if not path.is_file():
        raise ConfigError(
            f"resume={resume!r}: no checkpoint at {path} (give a .ckpt file or a "
            f"run directory holding checkpoints/last.ckpt)"
        )
    return str(path)


def resume_point(cfg: DictConfig, run_dir: Path) -> str | None:
    """`resume=`, or, in a job submitit requeued, the checkpoint it wrote before it stopped.
    `resume=auto`: the newest checkpoint in this run directory, or none (a fresh start)."""
    if cfg.get("resume") == AUTO:
        newest = newest_checkpoint(run_dir / "checkpoints")
        return str(newest) if newest else None
    return resume_path(cfg.get("resume")) or requeued_checkpoint(run_dir)


def set_aside_unresumable(cfg: DictConfig, run_dir: Path) -> bool:
    """`resume=auto` in a run directory whose run stopped before its first resumable checkpoint
    (it holds on_exception.ckpt only, which may be the state that failed): the run starts
    afresh, as an uninterrupted one would, and that file is kept as on_exception.discarded.ckpt
    (Lightning would otherwise resume from it). False: not resume=auto, nothing set aside."""
    if cfg.get("resume") != AUTO:
        return False
    failed = run_dir / "checkpoints" / "on_exception.ckpt"
    if failed.is_file():
        failed.replace(failed.with_name("on_exception.discarded.ckpt"))
        log.warning("%s stopped before its first resumable checkpoint: starting it afresh", run_dir)
    return True


def finished_earlier(cfg: DictConfig, run_dir: Path, result: str) -> bool:
    """`resume=auto` in a run directory whose run finished (status and its `result` file):
    there is nothing to do, and its files are left as they are."""
    status = run_dir / "status"
    done = status.is_file() and read_status(run_dir) == "finished"
    return cfg.get("resume") == AUTO and done and (run_dir / result).is_file()


class BatchCheckpoint(L.Callback):
    """checkpoints/steps.ckpt every n training batches, replaced atomically. Lightning's
    `every_n_train_steps` counts optimizer steps, and a search takes one or two per batch."""

    def __init__(self, folder: Path, every_n_train_steps: int) -> None:
        self.path, self.every = folder / EVERY_N, every_n_train_steps

    @classmethod
    def configured(cls, cfg: DictConfig, run_dir: Path) -> list[BatchCheckpoint]:
        """[one] when the config's `checkpoint.every_n_train_steps` is set, [] otherwise."""
        every = OmegaConf.select(cfg, "checkpoint.every_n_train_steps", default=None)
        return [cls(run_dir / "checkpoints", every)] if every else []

    def on_train_batch_end(self, trainer: L.Trainer, *args: Any) -> None:
        batches = trainer.fit_loop.epoch_loop.total_batch_idx + 1
        last_of_epoch = trainer.fit_loop.epoch_loop.batch_progress.is_last_batch
        if batches % self.every or last_of_epoch:  # the epoch's end has its own checkpoint
            return
        partial = self.path.with_suffix(".partial")
        trainer.save_checkpoint(
            partial, weights_only=False
        )  # a kill while writing leaves the previous one whole
        if trainer.is_global_zero:
            os.replace(partial, self.path)


class _Signal:
    """The job's pre-emption signal, noted by `watch_preemption` until a batch ends."""

    pending: tuple[int, FrameType | None] | None = None
    submitit: tuple[int, Any] | None = None  # (signal, submitit's handler) once watched

    @classmethod
    def note(cls, signum: int, frame: FrameType | None) -> None:
        cls.pending = (signum, frame)  # a signal handler must not save in the middle of a step


def watch_preemption() -> None:
    """In a submitit job, take its pre-emption signal from now on, for the rest of the process:
    one arriving between two trainings (a search, then its retraining) is acted on at the next
    batch. Anywhere else, nothing."""
    if _Signal.submitit is None and (found := submitit_handler()):
        _Signal.submitit = found
        signal.signal(found[0], _Signal.note)


class Requeue(L.Callback):
    """Checkpoint at the end of the batch during which submitit's signal came, then requeue."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        watch_preemption()

    def on_train_batch_end(self, trainer: L.Trainer, *args: Any) -> None:
        pending = _Signal.pending is not None
        if trainer.world_size > 1:  # every rank must save together (and not every rank may
            pending = trainer.strategy.reduce_boolean_decision(pending, all=False)  # be signalled)
        if pending:
            self.requeue(trainer)

    def requeue(self, trainer: L.Trainer) -> None:
        path = self.run_dir / "checkpoints" / CHECKPOINT
        trainer.save_checkpoint(path, weights_only=False)
        if trainer.is_global_zero:
            write_status(
                self.run_dir,
                "requeued",
                f"pre-empted or timed out at global step {trainer.global_step}; the requeued "
                f"job resumes from {path}",
            )
            log.warning("signal received: checkpointed to %s; requeuing through submitit", path)
        signum, handler = _Signal.submitit  # set: only submitit's signal makes a batch pending
        handler(*(_Signal.pending or (signum, None)))  # submitit: resubmit, then exit
        raise SystemExit(1)  # DDP ranks other than 0: submitit leaves their exit to them
