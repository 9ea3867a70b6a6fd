"""Multirun: seeds in parallel on local cores with the joblib launcher; the SLURM launcher config
composes (the plugin imports; nothing is submitted)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from hydra import compose, initialize_config_dir

from tests.conftest import CONF_DIR


def test_slurm_launcher_composes() -> None:
    from hydra_plugins.hydra_submitit_launcher.submitit_launcher import SlurmLauncher  # noqa: F401

    os.environ["SLURM_PARTITION"] = "gpu-test"
    try:
        with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
            cfg = compose(
                "search",
                overrides=["+experiment=darts_prime", "hydra/launcher=slurm"],
                return_hydra_config=True,
            )
        launcher = cfg.hydra.launcher
        assert launcher._target_.endswith("SlurmLauncher")
        assert launcher.gpus_per_node == 1 and launcher.timeout_min == 1440
        assert launcher.partition == "gpu-test"
    finally:
        del os.environ["SLURM_PARTITION"]


def test_joblib_multirun_runs_two_seeds_in_parallel(tmp_path: Path) -> None:
    sweep = tmp_path / "multirun"
    cmd = [
        sys.executable,
        "-m",
        "darts_lab.search",
        "-m",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={sweep}",
        "seed=1,2",
        "search_space.layers=3",
        "search_space.init_channels=4",
        "dataset.batch_size=32",
        "trainer.max_epochs=1",
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=1",
        "trainer.enable_progress_bar=false",
        "logger=none",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # 2 jobs on 2 cores: no oversubscription
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    for job in ("0", "1"):
        assert (sweep / job / "status").read_text().startswith("finished")
        assert "normal" in json.loads((sweep / job / "genotype.json").read_text())
    overrides = sorted((sweep / j / ".hydra" / "overrides.yaml").read_text() for j in "01")
    assert "seed=1" in overrides[0] and "seed=2" in overrides[1]
