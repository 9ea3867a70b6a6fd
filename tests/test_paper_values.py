"""What each experiment row (and retraining preset) reproduces: one table of (row, key, the
paper's or released code's value, where it is written). A row whose yaml drifts from its source
fails here with the source named. Where paper and code differ, the row follows the code (the
ground rule) and the source says so."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from omegaconf import OmegaConf

from tests.conftest import make_cfg, train_cfg

DP = "DARTS-PRIME (Maile et al. 2022)"
GAEA = "GAEA (Li et al. 2021)"
DARTS = "DARTS (Liu et al. 2019), quark0/darts cnn/train_search.py"
SECOND_ORDER = "darts_lab.arch_gradient.second_order.Unrolled"
ERM, BILEVEL = "darts_lab.method.erm.Erm", "darts_lab.method.darts.Darts"
GAEA_EGDAS = "liamcli/gaea_release architect_egdas.py"
PT = "ruocwang/darts-pt exp_scripts"
PT_CODE = "ruocwang/darts-pt nasbench201/projection.py, sota/cnn/projection.py"
NB201_OPS = ["skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
# automl/RobustDARTS (R-DARTS, Zela et al. 2020): S1's two ops per edge, edges (0→2), (1→2),
# (0→3), ... as their src/spaces.py lists them
RD = "automl/RobustDARTS"
RD_SPACES, RD_SEARCH = f"{RD}/src/spaces.py ", f"{RD}/src/search/args.py"
NONE = "none"
RD_GRID, RD_ADA = f"{RD}/scripts/start_search.sh", f"{RD}/scripts/DARTS-ADA_search.sh"
RD_EVAL = f"{RD}/scripts/DARTS_eval.sh + src/evaluation/args.py: "
RD_S1, ES = f"{RD_SPACES}primitives_1", "callbacks.darts_es"
RANDOM_SPLIT = "darts_lab.data.split.random.RandomSplit"
SKIP, MAX, AVG = "skip_connect", "max_pool_3x3", "avg_pool_3x3"
SEP3, DIL3, DIL5 = "sep_conv_3x3", "dil_conv_3x3", "dil_conv_5x5"
S1_NORMAL = [[SKIP, DIL3], [SKIP, DIL5], [SKIP, DIL5], [SKIP, SEP3], [SKIP, DIL3], [MAX, SKIP],
             [SKIP, SEP3], [SKIP, SEP3], [SKIP, DIL3], [SKIP, SEP3], [MAX, SKIP], [SKIP, DIL3],
             [DIL3, DIL5], [DIL3, DIL5]]  # fmt: skip
S1_REDUCE = [[MAX, AVG], [MAX, DIL3], [MAX, AVG], [MAX, AVG], [SKIP, DIL5], [MAX, AVG],
             [MAX, SEP3], [SKIP, DIL3], [SKIP, DIL5], [MAX, AVG], [MAX, AVG], [SKIP, DIL5],
             [SKIP, DIL5], [SKIP, DIL5]]  # fmt: skip
RD_RETRAINING = [  # their retraining, the same on every dataset
    ("model.layers", 8, "--layers 8 (the script sets none)"),
    ("model.init_channels", 16, "--init_channels 16"),
    ("trainer.max_epochs", 600, "--epochs 600"),
    ("dataset.batch_size", 96, "--batch_size 96"),
    ("cutout", 16, "--cutout, --cutout_length 16"),
    ("model.auxiliary", True, "--auxiliary"),
    ("optimizer.auxiliary_weight", 0.4, "--auxiliary_weight 0.4"),
    ("optimizer.drop_path_prob", 0.2, "--drop_path_prob 0.2"),
    ("optimizer.lr", 0.025, "--learning_rate 0.025"),
    ("optimizer.lr_min", 0.0, "CosineAnnealingLR without eta_min"),
    ("optimizer.weight_decay", 3e-4, "--weight_decay 3e-4"),
    ("grad_clip", 5.0, "--grad_clip 5"),
]

# (row, key, value, source); row "experiment=NAME" composes a search, "eval=NAME" a retraining
TABLE: list[tuple[str, str, Any, str]] = [
    # DARTS, the row every DARTS-PRIME row starts from
    ("experiment=darts", "search_space.layers", 8, DARTS),
    ("experiment=darts", "search_space.init_channels", 16, DARTS),
    ("experiment=darts", "trainer.max_epochs", 50, DARTS),
    ("experiment=darts", "dataset.batch_size", 64, DARTS),
    ("experiment=darts", "w_optimizer.lr", 0.025, DARTS),
    ("experiment=darts", "w_optimizer.lr_min", 0.001, DARTS),
    ("experiment=darts", "arch_optimizer.lr", 3e-4, DARTS),
    ("experiment=darts", "arch_optimizer.betas", [0.5, 0.999], DARTS),
    ("experiment=darts", "arch_optimizer.weight_decay", 1e-3, DARTS),
    ("experiment=darts", "seed", 101, f"{DP} S2: seeds 101, 102, 103, 104"),
    # DARTS-PRIME §4 and its supplement
    ("experiment=darts_prime", "schedule.r", 10, f"{DP} §4.2: r = 10, as in CS10"),
    ("experiment=darts_prime", "schedule.h0", 1.0, f"{DP} §4.2: h_0 = 1.0"),
    ("experiment=darts_prime", "schedule.h_i", 1.05, f"{DP} §4.2: h_i = 1.05"),
    ("experiment=darts_prime", "schedule.lam", 0.2, f"{DP} §4.2: λ = 0.2"),
    ("experiment=darts_prime", "regularizer.rho", 0.1, f"{DP} §4.2: ρ_p = 0.1 for images"),
    ("experiment=pr_ptb", "regularizer.rho", 1.0, f"{DP} §4.2: ρ_p = 1.0 for text"),
    ("experiment=darts_prime_ptb", "regularizer.rho", 1.0, f"{DP} §4.2: ρ_p = 1.0 for text"),
    ("experiment=cs10", "schedule.every", 10, f"{DP} §4: CS10, 10 w-steps per α-step"),
    ("experiment=admm", "regularizer.rho", 0.1, f"{DP} S3 (ADMM): ρ_a = 0.1"),
    ("experiment=admm", "regularizer.every", 10, f"{DP} S3: z, u every 10 α-steps"),
    ("experiment=admm", "regularizer.discount", 1.0, "k8lion/DARTS-PRIME code (S3: λ_u 0.8)"),
    ("experiment=admm_fimt_crb", "arch_lr_anneal", False, f"{DP} S3: CRB, no α-lr anneal"),
    # GAEA on NAS-Bench-201 (App. C.3)
    ("experiment=gaea_darts_erm", "method._target_", ERM, f"{GAEA} C.3: single level"),
    ("experiment=gaea_darts_erm", "arch_optimizer.lr", 0.1, f"{GAEA} C.3: EG lr 0.1"),
    ("experiment=gaea_darts_erm", "trainer.max_epochs", 25, f"{GAEA} C.3: 25 epochs"),
    ("experiment=gaea_darts_erm", "search_space.ops", NB201_OPS, f"{GAEA} C.3: no zero op"),
    ("experiment=gaea_darts_erm", "search_space.init_channels", 16, "NAS-Bench-201: C = 16"),
    ("experiment=gaea_darts_erm", "search_space.cells_per_stage", 5, "NAS-Bench-201: N = 5"),
    ("experiment=gaea_darts_bilevel", "method._target_", BILEVEL, f"{GAEA} C.3: bilevel"),
    ("experiment=gdas", "trainer.max_epochs", 250, f"{GAEA} C.3: 250 epochs for GDAS"),
    ("experiment=gdas", "search_space.ops", ["none", *NB201_OPS], "NAS-Bench-201's 5 ops"),
    ("experiment=gdas", "method.tau_max", 10.0, "GDAS (Dong & Yang 2019): τ 10 → 0.1"),
    ("experiment=gdas", "method.tau_min", 0.1, "GDAS (Dong & Yang 2019): τ 10 → 0.1"),
    ("experiment=gdas", "w_optimizer.lr", 0.025, "AutoDL-Projects GDAS config"),
    ("experiment=gdas", "w_optimizer.lr_min", 0.001, "AutoDL-Projects GDAS config"),
    ("experiment=gdas", "w_optimizer.weight_decay", 5e-4, "AutoDL-Projects GDAS config"),
    ("experiment=gdas", "w_optimizer.nesterov", True, "AutoDL-Projects GDAS config"),
    ("experiment=gdas", "w_optimizer.lr_interval", "epoch", "AutoDL-Projects: cosine per epoch"),
    ("experiment=gaea_gdas", "trainer.max_epochs", 150, f"{GAEA} C.3: 150 epochs"),
    ("experiment=gaea_gdas", "arch_optimizer.lr", 0.1, f"{GAEA} C.3: EG lr 0.1"),
    ("experiment=gaea_gdas", "arch_optimizer.order", "normalize_then_clamp", GAEA_EGDAS),
    # GAEA PC-DARTS on the DARTS space (App. C.1.1) and PC-DARTS itself
    ("experiment=gaea_pcdarts", "arch_warmup_epochs", 10, f"{GAEA} C.1.1: 10 warm-up epochs"),
    ("experiment=gaea_pcdarts", "arch_optimizer.lr", 0.1, f"{GAEA} C.1.1: EG lr 0.1"),
    ("experiment=gaea_pcdarts", "dataset.batch_size", 256, f"{GAEA} C.1.1: batch 256"),
    ("experiment=gaea_pcdarts", "w_optimizer.lr", 0.1, f"{GAEA} C.1.1: lr 0.1"),
    ("experiment=gaea_pcdarts", "w_optimizer.lr_min", 0.0, f"{GAEA} C.1.1: lr_min 0"),
    ("experiment=gaea_pcdarts", "search_space.partial_channels", 4, "PC-DARTS: K = 4"),
    ("experiment=gaea_pcdarts", "search_space.edge_weights", True, "PC-DARTS: edge weights β"),
    ("experiment=pcdarts", "arch_warmup_epochs", 15, "PC-DARTS train_search.py: 15 epochs"),
    ("experiment=pcdarts_imagenet", "w_optimizer.warmup_epochs", 5, "PC-DARTS ImageNet search"),
    ("experiment=pcdarts_imagenet", "arch_grad_clip", 5.0, "PC-DARTS ImageNet search"),
    ("experiment=gaea_pcdarts_imagenet", "w_optimizer.warmup_epochs", 5, "as PC-DARTS ImageNet"),
    ("experiment=gaea_pcdarts_imagenet", "arch_grad_clip", 5.0, "as PC-DARTS ImageNet"),
    ("experiment=pcdarts", "w_optimizer.warmup_epochs", 0, "PC-DARTS CIFAR-10: no warm-up"),
    ("experiment=pcdarts", "arch_grad_clip", None, "PC-DARTS CIFAR-10: no α clip"),
    # the released code where it departs from the paper (the *_code rows)
    ("experiment=gaea_darts_erm_code", "search_space.init_channels", 24, "gaea_release NB201"),
    ("experiment=gaea_darts_erm_code", "w_optimizer.lr_horizon", 50, "gaea_release NB201"),
    ("experiment=gaea_darts_erm_code", "trainer.max_epochs", 25, "gaea_release NB201"),
    ("experiment=gaea_gdas_code", "arch_optimizer.lr", 0.01, "gaea_release NB201 GDAS"),
    ("experiment=gaea_gdas_code", "regularizer.weight", 0.01, "gaea_release NB201 GDAS"),
    ("experiment=gaea_gdas_code", "arch_warmup_epochs", 50, "gaea_release NB201 GDAS"),
    ("experiment=gaea_gdas_code", "method.hold_epochs", 50, "gaea_release NB201 GDAS"),
    ("experiment=gaea_pcdarts_code", "arch_warmup_epochs", 0, "gaea_release DARTS space"),
    # the follow-up rows as their authors' released code ran them (issue #34)
    ("experiment=fair_darts", "dataset.batch_size", 128, "FairDARTS train_search.py"),
    ("experiment=fair_darts", "w_optimizer.lr", 0.005, "FairDARTS train_search.py"),
    ("experiment=drnas", "w_optimizer.lr_min", 0.0, "DrNAS train_search.py"),
    ("experiment=drnas", "arch_warmup_epochs", 10, "DrNAS train(): `if epoch >= 10`, per stage"),
    ("experiment=drnas", "search_space.pool_batchnorm", False, "DrNAS model_search.py MixedOp"),
    ("experiment=darts_es", "arch_gradient._target_", SECOND_ORDER, "DARTS-ES: --unrolled"),
    ("experiment=rdarts_l2", "arch_gradient._target_", SECOND_ORDER, "RobustDARTS: --unrolled"),
    ("experiment=rdarts_dp", "arch_gradient._target_", SECOND_ORDER, "RobustDARTS: --unrolled"),
    ("experiment=rdarts_dp", "dataset.search_cutout", 0.5, "RobustDARTS: Cutout(16) of 32 px"),
    ("experiment=darts_minus", "method.decay_epochs", 50, "DARTS- decay_max_epoch"),
    # R-DARTS's table as their released code runs it (issue #47): S1-S4 on CIFAR-10, CIFAR-100,
    # SVHN; DARTS = darts_2nd (--unrolled), R-DARTS (L2), (DP), DARTS-ES; docs/papers.md
    ("search_space=rdarts_s1", "search_space.edge_ops.normal", S1_NORMAL, RD_S1),
    ("search_space=rdarts_s1", "search_space.edge_ops.reduce", S1_REDUCE, RD_S1),
    ("search_space=rdarts_s2", "search_space.ops", [SKIP, SEP3], f"{RD_SPACES}primitives_2"),
    ("search_space=rdarts_s3", "search_space.ops", [NONE, SKIP, SEP3], f"{RD_SPACES}primitives_3"),
    ("search_space=rdarts_s4", "search_space.ops", ["noise", SEP3], f"{RD_SPACES}primitives_4"),
    *[
        (f"search_space=rdarts_s{i}", f"search_space.{key}", value, f"{RD_SEARCH} --{theirs}")
        for i in range(1, 5)
        for key, value, theirs in (("layers", 8, "layers 8"), ("steps", 4, "nodes 4"))
    ],
    *[(f"search_space=rdarts_s{i}", "search_space.init_channels", 16, RD_SEARCH) for i in (1, 4)],
    (
        "experiment=darts_2nd",
        "arch_gradient._target_",
        SECOND_ORDER,
        f"{RD}/scripts/DARTS_search.sh",
    ),
    ("experiment=darts_2nd", "trainer.max_epochs", 50, f"{RD_SEARCH} --epochs 50"),
    ("experiment=darts_2nd", "dataset.batch_size", 64, f"{RD_SEARCH} --batch_size 64"),
    ("experiment=darts_2nd", "w_optimizer.lr_min", 0.001, f"{RD_SEARCH} --learning_rate_min"),
    ("experiment=darts_2nd", "w_optimizer.weight_decay", 3e-4, f"{RD_SEARCH} --weight_decay"),
    ("experiment=darts_2nd", "arch_optimizer.lr", 3e-4, f"{RD_SEARCH} --arch_learning_rate"),
    ("experiment=darts_2nd", "arch_optimizer.weight_decay", 1e-3, f"{RD_SEARCH} --arch_wd"),
    ("experiment=darts_2nd", "dataset.search_cutout", 0.0, f"{RD_SEARCH}: no cutout at dp 0"),
    ("experiment=rdarts_l2", "w_optimizer.weight_decay", 0.0243, f"{RD_GRID}: wd 3e-4·3^k max"),
    ("experiment=rdarts_l2", "dataset.search_cutout", 0.0, f"{RD_SEARCH}: no cutout at dp 0"),
    ("experiment=rdarts_dp", "method.drop_prob", 0.6, f"{RD_GRID}: dp 0, 0.2, 0.4, 0.6 max"),
    ("experiment=darts_es", "w_optimizer.weight_decay", 3e-4, f"{RD_ADA} --weight_decay 0.0003"),
    ("experiment=darts_es", "dataset.search_cutout", 0.0, f"{RD_ADA} --drop_path_prob 0.0"),
    ("experiment=darts_es", f"{ES}.every_n_epochs", 2, f"{RD_ADA} --report_freq_hessian 2"),
    ("experiment=darts_es", f"{ES}.window", 5, f"{RD_SEARCH} --window 5"),
    ("experiment=darts_es", f"{ES}.delta", 4, f"{RD_SEARCH} --delta 4"),
    ("experiment=darts_es", f"{ES}.factor", 1.3, f"{RD_SEARCH} --factor 1.3"),
    ("experiment=darts_es", f"{ES}.start_epoch", 10, f"{RD_SEARCH} --es_start_epoch 10"),
    ("dataset=svhn", "dataset.batch_size", 64, f"{RD_SEARCH} --batch_size 64 on every dataset"),
    ("dataset=svhn", "dataset.extra", False, f"{RD_SEARCH}: SVHN split='train' only"),
    ("dataset=svhn", "dataset.split._target_", RANDOM_SPLIT, f"{RD_SEARCH} --train_portion 0.5"),
    *[
        (row, key, value, f"{RD_EVAL}{theirs}")
        for row in ("eval=rdarts", "eval=svhn")
        for key, value, theirs in RD_RETRAINING
    ],
    ("eval=svhn", "dataset._target_", "darts_lab.data.svhn.SVHNDataModule", f"{RD_EVAL}svhn"),
    # DARTS-PT's selection as their released scripts run it (ruocwang/darts-pt)
    ("experiment=darts_pt", "selection.proj_intv", 5, f"{PT}/darts-proj-sota.sh --proj_intv 5"),
    ("experiment=darts_pt", "selection.criterion", "accuracy", f"{PT}: --proj_crit_* acc"),
    ("experiment=darts_pt", "selection.edge_order", "random", f"{PT}: --edge_decision random"),
    ("experiment=darts_pt", "selection.lr_factor", 0.1, f"{PT_CODE}: learning_rate / 10"),
    ("experiment=darts_pt", "selection.seed", 101, "the run's own seed"),
    ("experiment=darts_pt_fixed_alpha", "arch_warmup_epochs", 50, f"{PT}/blank-*: α not updated"),
    ("experiment=darts_pt_fixed_alpha", "arch_init_scale", 0.0, "α uniform (theirs: 1e-3 N(0,1))"),
    # retraining presets: DARTS's evaluation protocol and GAEA's (App. C.1.2)
    ("eval=cifar10", "model.layers", 20, "DARTS §A.2 / quark0/darts cnn/train.py"),
    ("eval=cifar10", "model.init_channels", 36, "DARTS §A.2"),
    ("eval=cifar10", "trainer.max_epochs", 600, "DARTS §A.2"),
    ("eval=cifar10", "dataset.batch_size", 96, "DARTS §A.2"),
    ("eval=cifar10", "cutout", 16, "DARTS §A.2: cutout 16"),
    ("eval=cifar10", "grad_clip", 5.0, "quark0/darts cnn/train.py"),
    ("eval=cifar10", "optimizer.auxiliary_weight", 0.4, "DARTS §A.2: auxiliary 0.4"),
    ("eval=cifar10", "optimizer.drop_path_prob", 0.2, "DARTS §A.2: drop path 0.2"),
    ("eval=cifar10_gaea", "dataset.batch_size", 128, f"{GAEA} C.1.2: batch 128"),
    ("eval=cifar10_gaea", "optimizer.drop_path_prob", 0.3, f"{GAEA} C.1.2: drop path 0.3"),
    ("eval=cifar10_gaea", "model.layers", 20, f"{GAEA} C.1.2"),
    ("eval=cifar10_gaea", "model.init_channels", 36, f"{GAEA} C.1.2"),
    ("eval=cifar10_gaea", "cutout", 16, f"{GAEA} C.1.2: cutout 16"),
]


@functools.cache
def composed(row: str):  # noqa: ANN201
    group, name = row.split("=")
    if group == "experiment":
        return make_cfg(f"+experiment={name}", tiny=False)
    if group in ("search_space", "dataset"):  # a search's option, at its own size
        return make_cfg(row, tiny=False)
    return train_cfg(row)


@pytest.mark.parametrize(
    "row,key,value,source", TABLE, ids=[f"{row}:{key}" for row, key, _, _ in TABLE]
)
def test_row_reproduces_its_source(row: str, key: str, value: Any, source: str) -> None:
    found = OmegaConf.select(composed(row), key, throw_on_missing=True)
    if OmegaConf.is_config(found):
        found = OmegaConf.to_container(found)
    assert found == value, f"{row} {key} = {found!r}; {source} says {value!r}"
