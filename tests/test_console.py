"""What a newcomer sees: a tiny search from the command line writes nothing to stderr that is not
on the allow-list, and its search.log holds the run's key facts."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# stderr lines a search may print: none today (tqdm draws its bar on stdout)
ALLOWED_STDERR: list[str] = []


def test_a_tiny_search_prints_only_meaningful_lines(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "darts_lab.search",
            "trainer.max_epochs=1",
            "trainer.limit_train_batches=2",
            "search_space.layers=3",
            "search_space.init_channels=4",
            "search_space.steps=3",  # 3 nodes: the tiny cell (search_space/darts_cnn.py)
            "search_space.multiplier=3",
            f"hydra.run.dir={run_dir}",
        ],  # the default logger: W&B, offline
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": "/usr/bin:/bin",
            "WANDB_MODE": "offline",
            "HOME": str(tmp_path),
            "OMP_NUM_THREADS": "1",  # beside the other xdist worker
        },
    )
    assert proc.returncode == 0, proc.stderr
    unexpected = [
        line
        for line in proc.stderr.splitlines()
        if line.strip() and not any(re.search(p, line) for p in ALLOWED_STDERR)
    ]
    assert unexpected == []
    log = (run_dir / "search.log").read_text()
    for fact in ("search adhoc, seed 0", "w-train and", "α-val images", "w-steps per α-step"):
        assert fact in log
    assert "genotype: Genotype(normal=[" in log and f"run dir: {run_dir}" in log
    assert "wandb sync" in log


def test_an_imagenet_layout_search_on_cpu_prints_nothing_on_stderr(tmp_path: Path) -> None:
    """Issue #33's command at 224 px: it finishes under perf.channels_last=auto (NHWC) and torch
    says nothing about pinned memory (pinning follows the device: none on CPU)."""
    from tests.test_image_folder import write_imagenet

    root = write_imagenet(tmp_path / "ilsvrc", classes=3, per_class=12)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "darts_lab.search",
            "+experiment=pcdarts",
            "dataset=imagenet",
            f"data_dir={root}",
            "dataset.batch_size=4",
            "trainer.max_epochs=1",
            "logger=none",
            "search_space.layers=3",
            "search_space.init_channels=4",
            "search_space.steps=3",  # 3 nodes: the tiny cell (search_space/darts_cnn.py)
            "search_space.multiplier=3",
            f"hydra.run.dir={tmp_path / 'run'}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OMP_NUM_THREADS": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert [line for line in proc.stderr.splitlines() if line.strip()] == []
