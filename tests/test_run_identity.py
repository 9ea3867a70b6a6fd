"""Nothing mislabelled, nothing lost: exact resume on the embedded overlay (float64), a run's
identity is its resolved config (run.json and every checkpoint), refused relaunches change no
file of ours, and the history survives a kill."""

from __future__ import annotations

import csv
import errno
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from darts_lab.config import ConfigError
from darts_lab.export.artifacts import read_status
from darts_lab.lit.checkpoint_io import AtomicCheckpointIO
from darts_lab.lit.exit_codes import exit_codes
from darts_lab.lit.fingerprint import RECORD, fingerprint, first_difference
from darts_lab.report import job_labels, report
from darts_lab.search import run_search
from darts_lab.sweep_status import status_report
from tests.conftest import make_cfg
from tests.test_reliability import StopAt, stopping

ROOT = Path(__file__).resolve().parents[1]
OVERLAY = [
    "+overlay=embedded",
    "seed=3",
    "trainer.max_epochs=2",
    "trainer.limit_train_batches=6",
    "trainer.limit_val_batches=2",
    "logger=none",
    "figures=false",
    "trainer.enable_progress_bar=false",
]
DIGITS = ["trainer.max_epochs=2", "trainer.limit_train_batches=3", "trainer.limit_val_batches=1"]


def arch(run_dir: Path) -> torch.Tensor:
    state = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    return torch.cat([v.flatten() for k, v in sorted(state.items()) if k.startswith("arch.")])


def killed(cfg, run_dir: Path, stop: StopAt) -> None:
    with stopping(stop), pytest.raises(SystemExit):
        run_search(cfg, run_dir)


def files_of(run_dir: Path) -> dict[str, str]:
    """Every file of ours in a run directory, hashed (Hydra's .hydra/ and log are Hydra's)."""
    return {
        str(p.relative_to(run_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(run_dir.rglob("*"))
        if p.is_file() and ".hydra" not in p.parts and p.suffix != ".log"
    }


@pytest.mark.parametrize("experiment", ["darts", "gdas", "gaea_darts_erm", "darts_prime"])
def test_overlay_resumes_bit_exactly(tmp_path: Path, experiment: str) -> None:
    """float64 (64-true): the module is converted before the checkpoint is restored, so no
    restored tensor passes through float32. Killed in epoch 1 after 3 batches: resumed from the
    epoch-0 checkpoint and from the mid-epoch one, α equals the uninterrupted run's exactly."""
    common = [f"+experiment={experiment}", *OVERLAY]
    run_search(make_cfg(*common, tiny=False), tmp_path / "full")
    killed(make_cfg(*common, tiny=False), tmp_path / "half", StopAt(epoch=1, batch=2))
    for name in ("last.ckpt", "on_exception.ckpt"):
        ckpt = tmp_path / "half" / "checkpoints" / name
        run_search(make_cfg(*common, f"resume={ckpt}", tiny=False), tmp_path / name)
        assert torch.equal(arch(tmp_path / name), arch(tmp_path / "full")), name


def test_identity_is_the_config_less_paths_and_speed() -> None:
    base = fingerprint(make_cfg("seed=1"), ["none"], "darts")
    assert base == fingerprint(
        make_cfg("seed=1", "data_dir=/elsewhere", "perf.threads=2"), ["none"], "darts"
    )
    for override, key in [
        ("seed=2", "seed"),
        ("arch_optimizer.lr=0.1", "arch_optimizer.lr"),
        ("trainer.max_epochs=3", "trainer.max_epochs"),
        ("dataset.batch_size=16", "dataset.batch_size"),
    ]:
        other = fingerprint(make_cfg("seed=1", override), ["none"], "darts")
        assert other["hash"] != base["hash"]
        assert first_difference(base["config"], other["config"]).startswith(f"{key}=")
    assert (
        first_difference({"a": 1, "b": 2}, {"a": 0, "b": 3})
        == "a=1 there, 0 here (and 1 more key(s))"
    )


def test_resume_with_another_seed_or_value_is_refused(tmp_path: Path) -> None:
    run = tmp_path / "run"
    killed(make_cfg(*DIGITS, "seed=7"), run, StopAt(epoch=1, batch=None))
    before = files_of(run)
    for override, key in (("seed=8", "seed"), ("arch_optimizer.lr=0.01", "arch_optimizer.lr")):
        with pytest.raises(ConfigError, match=rf"holds another run \(run.json\): {key}=") as e:
            run_search(make_cfg(*DIGITS, "seed=7", override, "resume=auto"), run)
        assert "\n" not in str(e.value)
    assert files_of(run) == before  # nothing of the first run was touched
    run_search(make_cfg(*DIGITS, "seed=7", "resume=auto"), run)  # its own config finishes it
    assert read_status(run) == "finished"
    finished = files_of(run)
    with pytest.raises(ConfigError, match="seed=7 there, 8 here"):
        run_search(make_cfg(*DIGITS, "seed=8", "resume=auto"), run)
    run_search(make_cfg(*DIGITS, "seed=7", "resume=auto"), run)  # finished earlier
    assert files_of(run) == finished
    record = json.loads((run / RECORD).read_text())
    assert record["config"]["seed"] == 7 and record["hash"]


def test_resume_from_a_checkpoint_of_another_seed_is_refused(tmp_path: Path) -> None:
    run_search(make_cfg(*DIGITS, "seed=1"), tmp_path / "a")
    ckpt = tmp_path / "a" / "checkpoints" / "last.ckpt"
    with pytest.raises(ConfigError, match=r"another run: seed=1 there, 2 here"):
        run_search(make_cfg(*DIGITS, "seed=2", f"resume={ckpt}"), tmp_path / "b")
    assert not (tmp_path / "b" / RECORD).exists()


def test_csv_history_survives_a_kill_and_resume(tmp_path: Path) -> None:
    run = tmp_path / "run"
    cfg = [*DIGITS, "logger=csv"]
    killed(make_cfg(*cfg), run, StopAt(epoch=1, batch=None))
    epochs_before = {r["epoch"] for r in csv.DictReader((run / "metrics.csv").open())}
    assert "0" in epochs_before
    run_search(make_cfg(*cfg, "resume=auto"), run)
    rows = list(csv.DictReader((run / "metrics.csv").open()))
    assert {r["epoch"] for r in rows} >= {"0", "1"}
    assert sum(1 for r in rows if r.get("steps/w") and r["epoch"] == "0") == 1  # epoch 0's row kept


def test_wandb_resumes_into_the_same_run(tmp_path: Path) -> None:
    run = tmp_path / "run"
    cfg = [*DIGITS, "logger=wandb"]
    killed(make_cfg(*cfg), run, StopAt(epoch=1, batch=None))
    run_search(make_cfg(*cfg, "resume=auto"), run)
    ids = {p.name.rsplit("-", 1)[-1] for p in (run / "wandb").glob("offline-run-*")}
    assert ids == {json.loads((run / RECORD).read_text())["run_id"]}


def test_a_copied_run_directory_resumes_in_place(tmp_path: Path) -> None:
    cfg = ["trainer.max_epochs=3", "trainer.limit_train_batches=3", "trainer.limit_val_batches=1"]
    killed(make_cfg(*cfg), tmp_path / "a", StopAt(epoch=2, batch=None))
    copy = tmp_path / "b"
    shutil.copytree(tmp_path / "a", copy, symlinks=True)
    (copy / "checkpoints" / ".last.ckpt.999.tmp").write_bytes(b"")  # a save killed mid-write
    run_search(make_cfg(*cfg, "resume=auto"), copy)
    names = sorted(
        p.name for p in (copy / "checkpoints").iterdir() if p.name != "on_exception.ckpt"
    )
    assert names == ["epoch=2-step=18.ckpt", "last.ckpt"], names  # pruned, no last-v1, no .tmp
    assert (copy / "checkpoints" / "last.ckpt").resolve().parent == (copy / "checkpoints").resolve()


def test_seed_reorder_of_a_real_sweep_is_refused_and_reported_right(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    command = [
        sys.executable, "-m", "darts_lab.search", "-m", "dataset=digits",
        "search_space.layers=3", "search_space.init_channels=4", "search_space.steps=3",
        "search_space.multiplier=3", "dataset.batch_size=32", *DIGITS[1:], "trainer.max_epochs=1",
        "logger=none", "figures=false", "trainer.enable_progress_bar=false",
        f"hydra.sweep.dir={sweep}", "perf.threads=1",
    ]  # fmt: skip
    done = subprocess.run([*command, "seed=0,1,2"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    before = {job: files_of(sweep / job) for job in "012"}
    again = subprocess.run(
        [*command, "seed=2,1,0", "resume=auto"], cwd=ROOT, capture_output=True, text=True
    )
    assert again.returncode != 0
    assert "holds another run (run.json): seed=0 there, 2 here" in again.stderr
    assert {job: files_of(sweep / job) for job in "012"} == before
    assert "seed=2" in (sweep / "0" / ".hydra" / "overrides.yaml").read_text()  # Hydra's
    assert {job: job_labels(sweep / job)[1] for job in "012"} == {"0": "0", "1": "1", "2": "2"}
    markdown, _ = report(sweep)  # searches without an oracle: listed as not retrained
    for job in "012":
        assert f"adhoc seed {job} (job {job})" in markdown


def test_a_full_disk_ends_in_one_line_naming_the_last_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """ENOSPC injected into the second epoch's checkpoint save (and every write after it):
    one `error:` line with the intact checkpoint and the command that finishes the run."""
    run = tmp_path / "run"
    saves = {"n": 0}
    original = AtomicCheckpointIO.save_checkpoint

    def save(self, checkpoint, path, storage_options=None):
        saves["n"] += 1
        if saves["n"] >= 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return original(self, checkpoint, path, storage_options)

    monkeypatch.setattr(AtomicCheckpointIO, "save_checkpoint", save)
    with pytest.raises(SystemExit) as e, exit_codes(run, (run,), None):
        run_search(make_cfg(*DIGITS), run)
    assert e.value.code == 4
    # (other tests of an xdist worker may leave logging handlers on closed streams: their
    # "Logging error" noise is not ours, so only the error lines are counted)
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(err) == 1 and err[0].startswith("error: cannot write"), err
    assert "the last good checkpoint is " in err[0] and "resume=auto" in err[0], err[0]
    assert read_status(run) == "failed"
    monkeypatch.setattr(AtomicCheckpointIO, "save_checkpoint", original)  # space freed
    run_search(make_cfg(*DIGITS, "resume=auto"), run)
    assert read_status(run) == "finished"


def test_status_refuses_a_truncated_multirun_yaml(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    for job in "012":
        (sweep / job / ".hydra").mkdir(parents=True)
    (sweep / "multirun.yaml").write_text("hydra:\n  sweeper:\n    params:\n      seed: 0,1,2\n")
    with pytest.raises(ConfigError, match="damaged .truncated.*3 job directories"):
        status_report(sweep)


def test_an_unwritable_run_dir_is_one_line_before_hydra_writes(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("")  # a run dir under a file cannot be made (a read-only disk: the same)
    done = subprocess.run(
        [sys.executable, "-m", "darts_lab.search", f"hydra.run.dir={blocker / 'run'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 4
    assert done.stderr.strip().splitlines() == [
        f"error: cannot write {blocker / 'run'} (Not a directory): choose another hydra.run.dir"
    ]
