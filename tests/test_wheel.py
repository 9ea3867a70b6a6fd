"""darts_lab installed from a wheel runs: the Hydra configs travel in it as darts_lab/conf/.

The wheel is built from a copy of the sources, installed with --no-deps into a fresh venv whose
other packages (torch, Lightning, Hydra, ...) come from this interpreter's site-packages through
a .pth file, and run from a directory that holds no darts_lab and no conf/: a tiny embedded
search, a report on it, a tiny CNN search and a retraining of its genotype. The editable
install (`pip install -e .`, what `make install` does) is checked the same way.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["pyproject.toml", "setup.py", "README.md", "conf", "darts_lab"]
TINY = [
    "trainer.max_epochs=1",
    "trainer.limit_train_batches=2",
    "trainer.limit_val_batches=1",
    "trainer.enable_progress_bar=false",
    "logger=none",
    "figures=false",
]


def run(*command: str | Path, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "WANDB_MODE": "offline", "OMP_NUM_THREADS": "1", "HOME": str(cwd)}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
    assert done.returncode == 0, f"{' '.join(map(str, command))}:\n{done.stdout}\n{done.stderr}"
    return done


def copy_sources(to: Path) -> Path:
    """What a build reads, without this checkout's build leftovers (__pycache__, egg-info)."""
    to.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, to / name, ignore=ignore)
        else:
            shutil.copy2(source, to / name)
    return to


def venv_over_this_one(path: Path) -> Path:
    """A fresh venv (no pip) that also sees this interpreter's packages; its python."""
    run(sys.executable, "-m", "venv", "--without-pip", path, cwd=path.parent)
    python = path / "bin" / "python"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                  cwd=path.parent).stdout.strip()  # fmt: skip
    # a path line in a .pth is appended to sys.path, after the venv's own site-packages, and
    # the .pth files in it (this checkout's editable finder) are not run
    Path(purelib, "deps_from_the_test_venv.pth").write_text(sysconfig.get_paths()["purelib"])
    return python


def pip_into(python: Path, *args: str | Path, cwd: Path) -> None:
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
        "--no-build-isolation", "--no-index", "-q", *args, cwd=cwd)  # fmt: skip


def where_darts_lab(python: Path, cwd: Path) -> tuple[Path, Path]:
    code = "import darts_lab, darts_lab.config_path as c; print(darts_lab.__file__, c.conf_dir())"
    package, conf = run(python, "-c", code, cwd=cwd).stdout.split()
    return Path(package), Path(conf)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = copy_sources(tmp / "src")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", tmp / "dist", src, cwd=tmp)  # fmt: skip
    (built,) = (tmp / "dist").glob("darts_lab-*.whl")
    return built


def test_the_wheel_carries_every_config(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    configs = {p.relative_to(ROOT).as_posix() for p in (ROOT / "conf").rglob("*.yaml")}
    assert configs and {f"darts_lab/{c}" for c in configs} <= names
    assert not [n for n in names if n.startswith("conf/")]  # no top-level `conf` package
    assert "darts_lab/config_path.py" in names and "darts_lab/data/fashion_mnist_16px.npz" in names


def test_search_report_and_retraining_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    python = venv_over_this_one(tmp_path / "venv")
    pip_into(python, wheel, cwd=tmp_path)
    work = tmp_path / "elsewhere"  # no darts_lab/ or conf/ here: only the installed package
    work.mkdir()
    package, conf = where_darts_lab(python, work)
    site = tmp_path / "venv" / "lib"
    assert package.is_relative_to(site) and conf == package.parent / "conf", (package, conf)

    # +experiment and +overlay come from the wheel's conf/, the Fashion-MNIST subset and the
    # embedded table from its package data
    search = work / "sweep" / "embedded"
    run(python, "-m", "darts_lab.search", "+experiment=darts", "+overlay=embedded", *TINY,
        f"hydra.run.dir={search}", cwd=work)  # fmt: skip
    assert (search / "status").read_text().startswith("finished")
    assert "nb201" in json.loads((search / "genotype.json").read_text())
    assert json.loads((search / "oracle.json").read_text())["oracle"] == "embedded"

    report = run(python, "-m", "darts_lab.report", work / "sweep", cwd=work).stdout
    assert "| darts | 1/1 |" in report and "regret" in report
    assert "test error" not in report and "params (M)" not in report  # nothing was retrained

    cnn = work / "cnn"
    run(python, "-m", "darts_lab.search", *TINY, "search_space.layers=3",
        "search_space.init_channels=4", f"hydra.run.dir={cnn}", cwd=work)  # fmt: skip
    assert "normal" in json.loads((cnn / "genotype.json").read_text())
    run(python, "-m", "darts_lab.train", f"genotype={cnn}", "eval=digits", "model.layers=3",
        "model.init_channels=4", "trainer.max_epochs=1", "trainer.limit_train_batches=3",
        "trainer.enable_progress_bar=false", "logger=none", f"hydra.run.dir={cnn / 'train'}",
        cwd=work)  # fmt: skip
    result = json.loads((cnn / "train" / "result.json").read_text())
    assert 0.0 <= result["test_acc"] <= 1.0 and result["epochs"] == 1


def test_the_editable_install_reads_conf_from_the_checkout(tmp_path: Path) -> None:
    src = copy_sources(tmp_path / "src")
    python = venv_over_this_one(tmp_path / "venv")
    pip_into(python, "-e", src, cwd=tmp_path)
    package, conf = where_darts_lab(python, tmp_path)
    assert package == src / "darts_lab" / "__init__.py" and conf == src / "conf"
    run(python, "-m", "darts_lab.search", "--cfg", "job", "+experiment=darts",
        "+overlay=embedded", cwd=tmp_path)  # fmt: skip
