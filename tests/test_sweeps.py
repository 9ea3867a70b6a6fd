"""Multirun: seeds in parallel on local cores with the joblib launcher; the SLURM launcher config
composes (the plugin imports; nothing is submitted)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from hydra import compose, initialize_config_dir

from darts_lab.report import report
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


def test_joblib_multirun_search_then_train_and_report(tmp_path: Path) -> None:
    """The issue's pipeline on digits: 2 seeds searched and retrained in parallel, one table."""
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
        "search_space.steps=3",  # 3 nodes: the tiny cell (search_space/darts_cnn.py)
        "search_space.multiplier=3",
        "dataset.batch_size=32",
        "trainer.max_epochs=1",
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=1",
        "trainer.enable_progress_bar=false",
        "logger=none",
        "+experiment=darts",
        "dataset=digits",
        "then_train=digits",
        'train_overrides=["model.layers=3","model.init_channels=4","trainer.max_epochs=1",'
        '"trainer.limit_train_batches=2","trainer.enable_progress_bar=false","logger=none"]',
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # 2 jobs on 2 cores: no oversubscription
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    for job in ("0", "1"):
        assert (sweep / job / "status").read_text().startswith("finished")
        assert "normal" in json.loads((sweep / job / "genotype.json").read_text())
    overrides = sorted((sweep / j / ".hydra" / "overrides.yaml").read_text() for j in "01")
    assert "seed=1" in overrides[0] and "seed=2" in overrides[1]
    for job in ("0", "1"):
        result = json.loads((sweep / job / "train" / "result.json").read_text())
        assert 0 <= result["test_acc"] <= 1 and result["params_m"] > 0
    markdown, rows = report(sweep)
    assert rows[0]["method"] == "darts" and rows[0]["seeds"] == "2/2"
    assert " ± " in rows[0]["test error (%)"] and " ± " in rows[0]["params (M)"]
    assert (sweep / "report.csv").read_text().startswith("method,seeds,test error (%)")
    # a failed seed is named, not fatal
    shutil.copytree(sweep / "1", sweep / "2")
    (sweep / "2" / "status").write_text("failed\nNonFiniteError: non-finite loss\n")
    shutil.rmtree(sweep / "2" / "train")
    markdown, rows = report(sweep)
    assert rows[0]["seeds"] == "2/3" and "darts seed 2 (job 2): failed" in markdown


def test_the_entry_point_pickles_for_joblibs_workers() -> None:
    """hydra/launcher=joblib sends `main` to loky workers with cloudpickle; run as
    `python -m darts_lab.search` its functions live in __main__ and are pickled by value,
    globals included (a reference to torch in log_facts made it try torch.ops and fail)."""
    import runpy
    import types

    import cloudpickle

    module = runpy.run_module("darts_lab.search", run_name="__mp_main__")
    for name, obj in module.items():
        if isinstance(obj, types.FunctionType) and obj.__module__ == "__mp_main__":
            assert cloudpickle.loads(cloudpickle.dumps(obj)).__name__ == name
