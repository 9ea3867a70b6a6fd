"""How `darts_lab.search` and `darts_lab.train` end: what a user can fix is one `error:` line
and an exit code, never a traceback; an interrupted run says how to resume; a SLURM requeue
keeps submitit's exit code. Anything else is a bug and keeps its traceback."""

from __future__ import annotations

import errno
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from darts_lab.config import ConfigError
from darts_lab.data.errors import DataError
from darts_lab.export.artifacts import write_status
from darts_lab.lit.preemption import newest_checkpoint, requeued_checkpoint
from darts_lab.lit.reliability import NonFiniteError
from darts_lab.lit.run_lock import RunDirInUse

BAD_INPUT, NON_FINITE, STORAGE = 2, 3, 4
# a disk that is full or will not take writes: the run stops, its last checkpoint is intact
STORAGE_ERRORS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT, errno.EPERM}


def storage_error(error: BaseException | None) -> OSError | None:
    """The full-disk or read-only error behind `error` (Lightning's exception handling and our
    status write may each have failed on the same disk after it), if there is one."""
    while error is not None:
        if isinstance(error, OSError) and error.errno in STORAGE_ERRORS:
            return error
        error = error.__cause__ or error.__context__
    return None


def fail(error: Exception, code: int) -> NoReturn:
    print(f"error: {error}", file=sys.stderr)
    sys.exit(code)


@contextmanager
def exit_codes(
    run_dir: Path, requeue_dirs: tuple[Path, ...], resume_hint: Path | None = None
) -> Iterator[None]:
    """Around an entry point's run in `run_dir`. `requeue_dirs`: where a requeue checkpoint
    means submitit restarts the job; `resume_hint`: the checkpoint an interrupted run names."""
    try:
        yield
    except RunDirInUse as e:  # the directory is another process's: write nothing into it
        fail(e, BAD_INPUT)
    except (ConfigError, DataError) as e:
        if not (run_dir / "status").exists():  # a run dir resumed in place keeps its own
            write_status(run_dir, "failed", str(e))
        fail(e, BAD_INPUT)
    except NonFiniteError as e:  # status "failed" is already written
        fail(e, NON_FINITE)
    except OSError as e:
        if (disk := storage_error(e)) is None:
            raise  # anything else is a bug: keep its traceback
        newest = newest_checkpoint(run_dir / "checkpoints")
        where = f"the last good checkpoint is {newest}" if newest else "no checkpoint was saved"
        try:
            write_status(run_dir, "failed", f"{disk.strerror}: {disk.filename}")
        except OSError:
            pass  # the same disk: the message below says what happened
        fail(
            OSError(
                f"cannot write {disk.filename or run_dir} ({disk.strerror}); {where}: free "
                f"space or make {run_dir} writable, then run the same command with resume=auto"
            ),
            STORAGE,
        )
    except SystemExit as e:  # Ctrl-C or SIGTERM inside Lightning; status says "interrupted"
        if any(requeued_checkpoint(d) for d in requeue_dirs):
            print("requeued: the job resumes by itself in the same run dir", file=sys.stderr)
            raise  # submitit's exit code tells its local executor to restart the job
        if resume_hint is None:
            raise
        print(f"interrupted: resume with resume={resume_hint}", file=sys.stderr)
        sys.exit(e.code or 1)  # Lightning's SIGTERM exit carries no code: never report success


class WritableOutput(Callback):
    """Hydra creates the run (or sweep) directory and writes `.hydra/` before any code of ours
    runs; on a read-only or full filesystem that ends in Hydra's traceback. Checked first, in
    one line (conf/search.yaml, conf/train.yaml: `hydra.callbacks`)."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        self.check(Path(config.hydra.run.dir), "hydra.run.dir")

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        self.check(Path(config.hydra.sweep.dir), "hydra.sweep.dir")

    @staticmethod
    def check(folder: Path, option: str) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as e:
            fail(OSError(f"cannot write {folder} ({e.strerror}): choose another {option}"), STORAGE)
