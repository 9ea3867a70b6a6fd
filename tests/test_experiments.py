"""Every paper row composes and runs 2 batches on digits with a tiny supernet."""

from pathlib import Path

import pytest
from hydra.utils import get_class
from omegaconf import OmegaConf

from darts_lab.export.artifacts import read_status
from darts_lab.search import run_search
from tests.conftest import make_cfg, options

# DARTS-PRIME's Table 1 / S1 rows (each inherits darts.yaml); every row in conf/experiment/ runs
EXPERIMENTS = [
    "darts",
    "cs10",
    "fimt",
    "pr",
    "darts_prime",
    "crb",
    "fimt_crb",
    "darts_prime_crb",
    "admm",
    "admm_fimt",
    "admm_fimt_crb",
]
SMALL = [
    "dataset.batch_size=16",
    "trainer.limit_train_batches=2",
    "trainer.limit_val_batches=1",
    "arch_warmup_epochs=0",
]


def test_the_darts_prime_rows_are_all_there() -> None:
    assert set(EXPERIMENTS) <= set(options("experiment"))


@pytest.mark.parametrize("name", options("experiment"))
def test_experiment_runs(name: str, tmp_path: Path) -> None:
    text = get_class(make_cfg(f"+experiment={name}").task._target_).inputs == "text"
    data = ["dataset=tiny_corpus"] if text else ["dataset=digits"]
    if make_cfg(f"+experiment={name}").search_space.get("stem") == "imagenet":
        data.append("dataset.image_size=32")  # its stem divides by 8: 8×8 digits would vanish
    cfg = make_cfg(f"+experiment={name}", *data, *SMALL)
    if "proj_intv" in cfg.selection:  # DARTS-PT rows: every decision in one epoch, 1 batch a
        cfg.selection.proj_intv, cfg.selection.eval_batches = 0, 1  # score, on a 1-node cell
        if "steps" in cfg.search_space:
            cfg.search_space.steps = cfg.search_space.multiplier = 1
    for callback in (cfg.get("callbacks") or {}).values():  # the Hessian's power iteration:
        if callback and "tol" in callback:  # a coarse eigenvalue will do to run the row
            callback.tol = 0.5
    run_search(cfg, tmp_path)
    assert read_status(tmp_path) == "finished"
    assert (tmp_path / "genotype.json").exists()


def test_crb_gets_what_it_declares_from_space_and_optimizer(tmp_path: Path) -> None:
    """activation=crb: no "none", non-affine node BatchNorm, no α weight decay (S3)."""
    from darts_lab.search import build

    module, _, trainer, _, _ = build(
        make_cfg("+experiment=admm_fimt_crb", "dataset=digits", *SMALL),
        tmp_path,
    )
    assert "none" not in module.net.ops and len(module.net.ops) == 7
    norm = module.net.cells[0].node_norms[0]
    assert norm.__class__.__name__ == "BatchNorm2d" and not norm.affine
    trainer.strategy.connect(module)
    module.trainer = trainer
    _, a_opt = module.configure_optimizers()[0]
    assert a_opt.param_groups[0]["weight_decay"] == 0.0


def test_rows_sweep_the_paper_seeds() -> None:
    conf = Path(__file__).resolve().parents[1] / "conf" / "experiment"
    darts = OmegaConf.load(conf / "darts.yaml")
    assert darts.hydra.sweeper.params.seed == "101,102,103,104" and darts.seed == 101
    for name in EXPERIMENTS[1:]:  # every row inherits darts.yaml, seeds included
        assert OmegaConf.load(conf / f"{name}.yaml").defaults[0] == "darts"
