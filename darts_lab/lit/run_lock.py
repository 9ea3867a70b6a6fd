"""A run directory has one writer. A search or retraining holds `<run dir>/lock` (pid, host,
start, heartbeat) while it runs and removes it when it ends; a second process on the same
directory (a relaunched sweep while a requeued or slow job is still alive) refuses in one line
naming the holder. A lock whose holder is dead is taken over with a warning: on the same host
when its pid is gone, from another host when its heartbeat (rewritten with every checkpoint) is
older than `stale_minutes`. A `kill -9` leaves the lock behind; the next run takes it over."""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import lightning as L

from darts_lab.config import ConfigError
from darts_lab.export.artifacts import write_json

log = logging.getLogger("darts_lab.lock")


class RunDirInUse(ConfigError):
    """Another live process holds the run directory: the refusal writes nothing into it."""


LOCK = "lock"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def holder_alive(holder: dict[str, Any], stale_minutes: float) -> bool:
    """Same host: its pid still runs. Another host: its heartbeat is recent."""
    if holder.get("host") == socket.gethostname():
        return _pid_alive(int(holder.get("pid", -1)))
    return time.time() - float(holder.get("heartbeat", 0)) < 60 * stale_minutes


def read_holder(run_dir: Path) -> dict[str, Any] | None:
    try:
        holder = json.loads((run_dir / LOCK).read_text())
    except (FileNotFoundError, ValueError):  # no lock, or one cut short: nobody holds it
        return None
    return holder if isinstance(holder, dict) else None


def describe(holder: dict[str, Any]) -> str:
    started = datetime.fromtimestamp(float(holder.get("start", 0)), timezone.utc)
    return f"pid {holder.get('pid')} on {holder.get('host')}, started {started:%Y-%m-%d %H:%M} UTC"


def refuse_if_in_use(run_dir: Path, stale_minutes: float = 30.0) -> None:
    """RunDirInUse when another live process holds `run_dir` (checked again, atomically, when
    the lock is taken: this early check only makes it the first thing a second launch hears)."""
    if any(os.environ.get(v, "0") != "0" for v in ("LOCAL_RANK", "RANK", "NODE_RANK")):
        return  # a DDP rank other than 0: rank 0 holds the directory for the whole job
    holder = read_holder(run_dir)
    if holder is not None and holder.get("pid") != os.getpid():
        if holder_alive(holder, stale_minutes):
            raise RunDirInUse(
                f"{run_dir} is in use by {describe(holder)} (its lock file {run_dir / LOCK}): "
                f"wait for it to end or stop it; one process per run directory"
            )


class RunLock(L.Callback):
    """Take it with `acquire()`, release with `release()`; as a callback it renews its heartbeat
    whenever the trainer checkpoints."""

    def __init__(self, run_dir: Path, stale_minutes: float = 30.0) -> None:
        self.path, self.run_dir, self.stale_minutes = run_dir / LOCK, run_dir, stale_minutes
        self.mine: dict[str, Any] | None = None

    def acquire(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        try:  # no lock yet: create it exclusively, so of two starting at once one wins
            os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            holder = None
        except FileExistsError:
            holder = read_holder(self.run_dir)
        if holder is not None and holder.get("pid") != os.getpid():
            refuse_if_in_use(self.run_dir, self.stale_minutes)
            log.warning("taking over the lock of %s, which is no longer running", describe(holder))
        now = time.time()
        self.mine = {"pid": os.getpid(), "host": socket.gethostname(), "start": now}
        self.heartbeat()

    def heartbeat(self) -> None:
        if self.mine is not None:
            write_json(self.path, {**self.mine, "heartbeat": time.time()})

    def release(self) -> None:
        holder = read_holder(self.run_dir)
        if self.mine is not None and holder is not None and holder.get("pid") == os.getpid():
            self.path.unlink(missing_ok=True)
        self.mine = None

    @contextmanager
    def held(self, trainer: L.Trainer) -> Iterator[None]:
        """Held by rank 0 (for the whole DDP job) while the block runs; its heartbeat renews
        with every checkpoint the trainer writes."""
        if trainer.is_global_zero:
            self.acquire()
            trainer.callbacks.append(self)
        try:
            yield
        finally:
            self.release()

    def on_save_checkpoint(self, *args: Any) -> None:
        self.heartbeat()
