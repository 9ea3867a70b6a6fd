"""How `darts_lab.search` and `darts_lab.train` end: what a user can fix is one `error:` line
and an exit code, never a traceback; an interrupted run says how to resume; a SLURM requeue
keeps submitit's exit code. Anything else is a bug and keeps its traceback."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from darts_lab.config import ConfigError
from darts_lab.data.errors import DataError
from darts_lab.export.artifacts import write_status
from darts_lab.lit.preemption import requeued_checkpoint
from darts_lab.lit.reliability import NonFiniteError
from darts_lab.lit.run_lock import RunDirInUse

BAD_INPUT, NON_FINITE = 2, 3


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
    except SystemExit as e:  # Ctrl-C or SIGTERM inside Lightning; status says "interrupted"
        if any(requeued_checkpoint(d) for d in requeue_dirs):
            print("requeued: the job resumes by itself in the same run dir", file=sys.stderr)
            raise  # submitit's exit code tells its local executor to restart the job
        if resume_hint is None:
            raise
        print(f"interrupted: resume with resume={resume_hint}", file=sys.stderr)
        sys.exit(e.code or 1)  # Lightning's SIGTERM exit carries no code: never report success
