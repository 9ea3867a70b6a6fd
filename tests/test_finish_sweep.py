"""Issue #36: finishing a sweep with one command (resume=auto), the sweep's status, one writer
per run directory, and files that a kill at any instant leaves whole."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from darts_lab.config import ConfigError
from darts_lab.export import artifacts
from darts_lab.lit.checkpoint_io import AtomicCheckpointIO
from darts_lab.lit.run_lock import RunLock
from darts_lab.search import run_search
from darts_lab.sweep_status import sweep_status
from tests.conftest import make_cfg

ROOT = Path(__file__).resolve().parents[1]
TINY = [
    "trainer.max_epochs=2",
    "trainer.limit_train_batches=6",
    "trainer.limit_val_batches=1",
    "search_space.layers=3",
    "search_space.init_channels=4",
    "search_space.steps=3",  # 3 nodes: the tiny cell (search_space/darts_cnn.py)
    "search_space.multiplier=3",
    "dataset.batch_size=16",
    "logger=none",
    "figures=false",
    "trainer.enable_progress_bar=false",
    "checkpoint.every_n_train_steps=2",
]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}  # beside the other xdist worker


def search_command(*overrides: str, multirun: bool = False) -> list[str]:
    return [
        sys.executable,
        "-m",
        "darts_lab.search",
        *(["-m"] if multirun else []),
        *TINY,
        *overrides,
    ]


def files(job: Path) -> dict[str, bytes]:
    """A run's own files (Hydra rewrites .hydra/ and appends to search.log at every launch)."""
    return {
        str(p.relative_to(job)): p.read_bytes()
        for p in sorted(job.rglob("*"))
        if p.is_file() and ".hydra" not in p.parts and p.suffix != ".log"
    }


def states(sweep: Path) -> list[str]:
    return [row["status"] for row in sweep_status(sweep)[0]]


def test_a_killed_sweep_finishes_with_the_same_command_and_resume_auto(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    multirun = search_command("seed=0,1,2", f"hydra.sweep.dir={sweep}", multirun=True)
    # the basic launcher runs the jobs one after another: kill -9 it inside job 1's first epoch
    launch = subprocess.Popen(
        multirun, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    steps = sweep / "1" / "checkpoints" / "steps.ckpt"
    deadline = time.monotonic() + 240
    while not steps.exists() and launch.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    launch.send_signal(signal.SIGKILL)  # no handler runs
    launch.wait()
    assert steps.exists() and not (sweep / "2").exists()
    assert states(sweep) == ["finished", "crashed", "missing"]
    rows, command = sweep_status(sweep)
    assert rows[1]["epoch"] >= 1 and command.endswith("resume=auto")
    job0 = files(sweep / "0")
    done = subprocess.run(
        [*multirun, "resume=auto"], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "finished earlier: " in (sweep / "0" / "search.log").read_text()
    assert files(sweep / "0") == job0  # left as it was, byte for byte
    assert states(sweep) == ["finished"] * 3
    # job 1 resumed mid-epoch ends where an uninterrupted seed-1 search ends
    plain = subprocess.run(
        search_command("seed=1", f"hydra.run.dir={tmp_path / 'plain'}"),
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert plain.returncode == 0, plain.stderr[-2000:]
    resumed = json.loads((sweep / "1" / "alphas.json").read_text())["weights"]
    expected = json.loads((tmp_path / "plain" / "alphas.json").read_text())["weights"]
    for key in expected:
        torch.testing.assert_close(
            torch.tensor(resumed[key]), torch.tensor(expected[key]), atol=1e-6, rtol=0
        )
    assert not any(sweep.glob("*/lock"))  # every writer let go


def test_resume_auto_refuses_another_experiments_directory(tmp_path: Path) -> None:
    run_search(make_cfg("trainer.limit_train_batches=2"), tmp_path)
    with pytest.raises(ConfigError, match=r"holds another run \(run.json\): method=.*Gdas.* here"):
        run_search(make_cfg("method=gdas", "resume=auto"), tmp_path)
    # a fresh directory under resume=auto simply starts
    run_search(make_cfg("trainer.limit_train_batches=2", "resume=auto"), tmp_path / "fresh")
    assert artifacts.read_status(tmp_path / "fresh") == "finished"


def test_resume_auto_restarts_a_run_stopped_before_its_first_resumable_checkpoint(
    tmp_path: Path,
) -> None:
    """A job stopped in its first epoch leaves on_exception.ckpt only (never resumed from: it may
    be the failed state). resume=auto runs it afresh instead of refusing the sweep's directory,
    and the result is an uninterrupted run's."""
    overrides = ("trainer.limit_train_batches=2", "trainer.max_epochs=2", "resume=auto")
    expected = run_search(make_cfg(*overrides), tmp_path / "plain")
    run_search(make_cfg(*overrides, "seed=1"), tmp_path / "other")
    stopped = tmp_path / "stopped"
    (stopped / "checkpoints").mkdir(parents=True)
    # a real checkpoint of another seed's last epoch: resuming from it would end on its α
    (tmp_path / "other" / "checkpoints" / "last.ckpt").resolve().rename(
        stopped / "checkpoints" / "on_exception.ckpt"
    )
    artifacts.write_status(stopped, "interrupted", "SIGTERMException")
    assert run_search(make_cfg(*overrides), stopped) == expected
    assert artifacts.read_status(stopped) == "finished"
    assert (stopped / "checkpoints" / "on_exception.discarded.ckpt").is_file()
    alphas = [json.loads((d / "alphas.json").read_text()) for d in (tmp_path / "plain", stopped)]
    assert alphas[0] == alphas[1]
    with pytest.raises(ConfigError, match="already holds checkpoints.*pass resume="):
        run_search(make_cfg(*overrides[:2]), stopped)  # without resume=auto: still refused


def test_one_writer_per_run_directory(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        search_command("trainer.max_epochs=50", f"hydra.run.dir={tmp_path}"),
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "lock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = subprocess.run(
            search_command(f"hydra.run.dir={tmp_path}", "resume=auto"),
            cwd=ROOT,
            env=ENV,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert second.returncode == 2
        (line,) = [x for x in second.stderr.splitlines() if x.strip()]
        assert f"is in use by pid {holder.pid} on " in line
    finally:
        holder.kill()
        holder.wait()
    # its holder is dead now (kill -9 left the lock behind): the next run takes it over
    lock = RunLock(tmp_path)
    lock.acquire()
    assert json.loads((tmp_path / "lock").read_text())["pid"] == os.getpid()
    # while this process holds it, another process of this host is refused
    code = "import sys; from pathlib import Path; from darts_lab.lit.run_lock import RunLock; "
    code += "RunLock(Path(sys.argv[1])).acquire()"
    other = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert (
        other.returncode == 1
        and f"RunDirInUse: {tmp_path} is in use by pid {os.getpid()}" in other.stderr
    )
    lock.release()
    assert not (tmp_path / "lock").exists()


@pytest.mark.parametrize("writer", ["json", "status", "figure", "checkpoint"])
def test_a_kill_between_write_and_rename_leaves_the_previous_file(
    writer: str, tmp_path: Path, monkeypatch
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def write(version: int) -> Path:
        if writer == "json":
            return artifacts.write_json(tmp_path / "x.json", {"version": version})
        if writer == "status":
            artifacts.write_status(tmp_path, f"v{version}")
            return tmp_path / "status"
        if writer == "figure":
            fig = plt.figure()
            fig.suptitle(f"v{version}")
            path = artifacts.save_figure(fig, tmp_path / "x.png")
            plt.close(fig)
            return path
        path = tmp_path / "x.ckpt"
        AtomicCheckpointIO().save_checkpoint({"version": version}, path)
        return path

    path = write(1)
    before = path.read_bytes()

    def killed(*args: object) -> None:
        raise KeyboardInterrupt("killed between write and rename")

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        write(2)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_sigkill_during_a_large_checkpoint_save_leaves_a_whole_one(tmp_path: Path) -> None:
    path = tmp_path / "big.ckpt"
    code = (
        "import torch, sys\n"
        "from darts_lab.lit.checkpoint_io import AtomicCheckpointIO\n"
        "io = AtomicCheckpointIO()\n"
        "for version in range(1000):\n"
        "    io.save_checkpoint({'version': version, 'w': torch.full((40_000_000,), version,"
        " dtype=torch.uint8)}, sys.argv[1])\n"
        "    print(version, flush=True)\n"
    )
    saver = subprocess.Popen(
        [sys.executable, "-c", code, str(path)],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert saver.stdout.readline().strip() == "0"  # one complete save, then kill during the next
    time.sleep(0.15)
    saver.send_signal(signal.SIGKILL)
    saver.wait()
    checkpoint = torch.load(path, weights_only=True)
    assert checkpoint["w"].numel() == 40_000_000
    assert int(checkpoint["w"][-1]) == checkpoint["version"]
