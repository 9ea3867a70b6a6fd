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
    run_search(cfg, tmp_path)
    assert read_status(tmp_path) == "finished"
    assert (tmp_path / "genotype.json").exists()


def test_gaea_rows_set_the_appendix_c_options() -> None:
    erm = make_cfg("+experiment=gaea_darts_erm", tiny=False)
    assert erm.method._target_.endswith(".Erm")
    assert erm.search_space._target_.endswith("Nb201Network")
    assert erm.activation._target_.endswith("Simplex") and erm.arch_optimizer.lr == 0.1
    assert "none" not in erm.search_space.ops and erm.trainer.max_epochs == 25
    assert (erm.search_space.init_channels, erm.search_space.cells_per_stage) == (16, 5)
    bilevel = make_cfg("+experiment=gaea_darts_bilevel", tiny=False)
    assert bilevel.method._target_.endswith(".Darts")
    gdas = make_cfg("+experiment=gdas", tiny=False)
    assert gdas.method.tau_max == 10.0 and gdas.method.tau_min == 0.1
    assert gdas.search_space.ops[0] == "none" and gdas.trainer.max_epochs == 250
    w = gdas.w_optimizer  # AutoDL's GDAS config
    assert (w.weight_decay, w.nesterov, w.lr_interval, w.lr, w.lr_min) == (
        5e-4,
        True,
        "epoch",  # AutoDL's cosine reads only the epoch once warm-up (0 here) is over
        0.025,
        0.001,
    )
    gaea_gdas = make_cfg("+experiment=gaea_gdas", tiny=False)
    assert gaea_gdas.arch_optimizer._target_.endswith("ExponentiatedGradient")
    assert gaea_gdas.trainer.max_epochs == 150
    assert gaea_gdas.arch_optimizer.order == "normalize_then_clamp"  # architect_egdas.py
    pc = make_cfg("+experiment=gaea_pcdarts", tiny=False)
    assert pc.search_space.partial_channels == 4 and pc.search_space.edge_weights
    assert pc.arch_warmup_epochs == 10 and pc.dataset.batch_size == 256
    assert (pc.w_optimizer.lr, pc.w_optimizer.lr_min) == (0.1, 0.0)
    assert make_cfg("+experiment=pcdarts", tiny=False).arch_warmup_epochs == 15


def test_crb_gets_what_it_declares_from_space_and_optimizer(tmp_path: Path) -> None:
    """activation=crb: no "none", non-affine node BatchNorm, no α weight decay (S3)."""
    from darts_lab.search import build

    module, _, trainer, _ = build(
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


def test_code_presets_set_what_gaea_release_runs() -> None:
    erm = make_cfg("+experiment=gaea_darts_erm_code", tiny=False)
    assert erm.method._target_.endswith(".Erm")
    assert (erm.search_space.init_channels, erm.w_optimizer.lr_horizon) == (24, 50)
    assert erm.trainer.max_epochs == 25
    gdas = make_cfg("+experiment=gaea_gdas_code", tiny=False)
    assert (gdas.arch_optimizer.lr, gdas.regularizer.weight) == (0.01, 0.01)
    assert gdas.regularizer._target_.endswith("UniformKl")
    assert gdas.arch_warmup_epochs == gdas.method.hold_epochs == 50
    assert gdas.arch_optimizer.order == "normalize_then_clamp"
    assert make_cfg("+experiment=gaea_pcdarts_code", tiny=False).arch_warmup_epochs == 0


def test_rows_sweep_the_paper_seeds() -> None:
    conf = Path(__file__).resolve().parents[1] / "conf" / "experiment"
    darts = OmegaConf.load(conf / "darts.yaml")
    assert darts.hydra.sweeper.params.seed == "101,102,103,104" and darts.seed == 101
    for name in EXPERIMENTS[1:]:  # every row inherits darts.yaml, seeds included
        assert OmegaConf.load(conf / f"{name}.yaml").defaults[0] == "darts"


def test_rows_set_the_paper_options() -> None:
    cfg = make_cfg("+experiment=darts_prime", tiny=False)
    assert cfg.schedule._target_.endswith("Fimt") and cfg.schedule.r == 10
    assert (cfg.schedule.h0, cfg.schedule.h_i, cfg.schedule.lam) == (1.0, 1.05, 0.2)
    assert cfg.regularizer._target_.endswith("Proximity") and cfg.regularizer.rho == 0.1
    crb = make_cfg("+experiment=admm_fimt_crb", tiny=False)
    assert crb.activation._target_.endswith("Crb") and not crb.arch_lr_anneal
    admm = crb.regularizer  # as the authors' code runs it: λ_u 1.0, z/u every 9 α-steps
    assert (admm.rho, admm.every, admm.discount) == (0.1, 10, 1.0)
    assert make_cfg("+experiment=cs10", tiny=False).schedule.every == 10
