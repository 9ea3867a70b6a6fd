"""Bad-input suite of `darts_lab.search` and `darts_lab.train` (see tests/bad_input.py)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from darts_lab import search as search_cli
from darts_lab import train as train_cli
from tests.bad_input import assert_one_error_line, assert_run_dir_clean, cli, files
from tests.conftest import TINY
from tests.hostile import tree_digest

__all__ = ["files"]  # the shared module-scoped fixture

SEARCH = [
    ("seed_negative", lambda f: ["seed=-1"], "seed=-1"),
    ("seed_too_big", lambda f: ["seed=4294967296"], "seed=4294967296"),
    ("seed_text", lambda f: ["seed=abc"], "seed='abc'"),
    ("seed_float", lambda f: ["seed=1.5"], "seed=1.5"),
    ("then_train_unknown", lambda f: ["then_train=nonexistent"], "then_train=nonexistent"),
    (
        "train_override_bad_value",
        lambda f: ["then_train=digits", 'train_overrides=["optimizer.lr=0"]'],
        "optimizer.lr=0",
    ),
    (
        "train_override_unknown_key",
        lambda f: ["then_train=digits", 'train_overrides=["no_such=1"]'],
        "train_overrides",
    ),
    ("then_train_text_preset", lambda f: ["then_train=ptb"], "then_train=ptb"),
    (
        "then_train_benchmark_space",
        lambda f: ["then_train=digits", "search_space=nb201"],
        "then_train=digits",
    ),
    (
        "then_train_missing_data",
        lambda f: ["then_train=cifar10", f"data_dir={f.root / 'none'}"],
        "CIFAR10 not found",
    ),
    ("resume_missing", lambda f: [f"resume={f.root / 'nowhere'}"], "resume="),
    ("resume_truncated", lambda f: [f"resume={f.truncated}"], "resume="),
    ("resume_garbage", lambda f: [f"resume={f.garbage}"], "resume="),
    ("resume_json", lambda f: [f"resume={f.json}"], "resume="),
    ("resume_plain_torch_file", lambda f: [f"resume={f.plain}"], "not a Lightning checkpoint"),
    ("resume_no_fingerprint", lambda f: [f"resume={f.unmarked}"], "not of a darts_lab search"),
    ("resume_hostile", lambda f: [f"resume={f.hostile}"], "which is code, not data"),
    (
        "resume_other_space",
        lambda f: [
            f"resume={f.run}",
            "search_space=nb201",
            "search_space.init_channels=4",
            "search_space.cells_per_stage=1",
        ],
        "search_space=",
    ),
    (
        "resume_other_ops",
        lambda f: [f"resume={f.run}", "search_space.ops=[none,skip_connect,sep_conv_3x3]"],
        "ops=",
    ),
    (
        "resume_other_experiment",
        lambda f: [f"resume={f.run}", "+experiment=pr", "dataset=digits"],
        "experiment=",
    ),
    (
        "resume_other_size",
        lambda f: [f"resume={f.run}", "search_space.layers=4", "search_space.init_channels=4"],
        "search_space.layers=3 there, 4 here",
    ),
    (
        "nb201_file_missing",
        lambda f: [
            "search_space=nb201",
            "oracle=nb201",
            f"oracle.data_file={f.root / 'no.pth'}",
        ],
        "oracle.data_file=",
    ),
    (
        "nb201_file_truncated",
        lambda f: [
            "search_space=nb201",
            "oracle=nb201",
            f"oracle.data_file={f.nb201_truncated}",
        ],
        "oracle.data_file=",
    ),
    (
        "nb201_file_foreign",
        lambda f: [
            "search_space=nb201",
            "oracle=nb201",
            f"oracle.data_file={f.nb201_foreign}",
        ],
        "oracle.data_file=",
    ),
    (
        "nb201_file_hostile",
        lambda f: [
            "search_space=nb201",
            "oracle=nb201",
            f"oracle.data_file={f.nb201_hostile}",
        ],
        "which is code, not data",
    ),
    (
        "nb101_file_garbage",
        lambda f: [
            "search_space=nb1shot1",
            "oracle=nb101",
            f"oracle.data_file={f.nb101_garbage}",
        ],
        "oracle.data_file=",
    ),
    (
        "embedded_table_garbage",
        lambda f: ["+overlay=embedded", f"oracle.table={f.table_garbage}"],
        "oracle.table=",
    ),
    (
        "embedded_table_foreign",
        lambda f: ["+overlay=embedded", f"oracle.table={f.table_foreign}"],
        "oracle.table=",
    ),
    (
        "cifar_truncated",
        lambda f: ["dataset=cifar10", f"data_dir={f.cifar_truncated}"],
        "data_batch_2",
    ),
    (
        "cifar_hostile",
        lambda f: ["dataset=cifar10", f"data_dir={f.cifar_hostile}"],
        "which is code, not data",
    ),
    (
        "ptb_binary",
        lambda f: [
            "+experiment=darts_ptb",
            "search_space.nhid=16",
            "search_space.steps=3",
            f"data_dir={f.ptb_binary}",
        ],
        "ptb.valid.txt",
    ),
    ("unknown_op", lambda f: ["search_space.ops=[none,conv_9x9]"], "conv_9x9"),
    ("lr_zero", lambda f: ["w_optimizer.lr=0"], "w_optimizer.lr=0"),
    ("arch_lr_inf", lambda f: ["arch_optimizer.lr=inf"], "arch_optimizer.lr=inf"),
    ("init_scale_inf", lambda f: ["arch_init_scale=inf"], "arch_init_scale=inf"),
    ("precision_unknown", lambda f: ["trainer.precision=banana"], "trainer.precision='banana'"),
    ("no_ops", lambda f: ["search_space.ops=[]"], "search_space.ops=[]"),
    (
        "cifar_folder_for_a_file",
        lambda f: ["dataset=cifar10", f"data_dir={f.cifar_folder_for_file}"],
        "data_batch_1",
    ),
    *(
        []
        if torch.cuda.is_available()
        else [("gpu_on_cpu", lambda f: ["trainer.accelerator=gpu"], "trainer.accelerator=gpu")]
    ),
]


@pytest.mark.parametrize("argv,names", [pytest.param(a, n, id=i) for i, a, n in SEARCH])
def test_search_cli_bad_input(files, argv, names, tmp_path, monkeypatch, capsys) -> None:
    args = argv(files)
    resumed = next((Path(a.split("=", 1)[1]) for a in args if a.startswith("resume=")), None)
    folder = resumed if resumed is None or resumed.is_dir() else resumed.parent
    before = tree_digest(folder) if folder is not None and folder.exists() else None
    run_dir = tmp_path / "run"
    code, err = cli(
        search_cli.__file__, [*TINY, *args, f"hydra.run.dir={run_dir}"], monkeypatch, capsys
    )
    assert_one_error_line(code, err, names)
    assert_run_dir_clean(run_dir)
    if before is not None:
        assert tree_digest(folder) == before
    assert not files.marker.exists()


TRAIN = [
    ("genotype_missing", lambda f: [], "genotype="),
    ("genotype_nowhere", lambda f: [f"genotype={f.root / 'nowhere'}"], "genotype="),
    ("genotype_garbage", lambda f: [f"genotype={f.garbage}"], "genotype="),
    ("genotype_wrong_shape", lambda f: [f"genotype={f.bad_genotype}"], "genotype="),
    ("genotype_benchmark_only", lambda f: [f"genotype={f.nb201_genotype}"], "cannot build"),
    ("genotype_text_for_images", lambda f: [f"genotype={f.rnn_genotype}"], "genotype="),
    ("genotype_image_for_text", lambda f: [f"genotype={f.run}", "eval=ptb"], "genotype="),
    ("seed_negative", lambda f: [f"genotype={f.run}", "seed=-1"], "seed=-1"),
    ("seed_too_big", lambda f: [f"genotype={f.run}", "seed=4294967296"], "seed=4294967296"),
    ("seed_text", lambda f: [f"genotype={f.run}", "seed=abc"], "seed='abc'"),
    ("seed_float", lambda f: [f"genotype={f.run}", "seed=1.5"], "seed=1.5"),
    ("lr_zero", lambda f: [f"genotype={f.run}", "optimizer.lr=0"], "optimizer.lr=0"),
    ("lr_negative", lambda f: [f"genotype={f.run}", "optimizer.lr=-1"], "optimizer.lr=-1"),
    ("momentum", lambda f: [f"genotype={f.run}", "optimizer.momentum=-0.5"], "optimizer.momentum"),
    ("weight_decay", lambda f: [f"genotype={f.run}", "optimizer.weight_decay=-1"], "weight_decay"),
    ("drop_path", lambda f: [f"genotype={f.run}", "optimizer.drop_path_prob=1.5"], "drop_path"),
    ("auxiliary", lambda f: [f"genotype={f.run}", "optimizer.auxiliary_weight=-1"], "auxiliary"),
    ("layers", lambda f: [f"genotype={f.run}", "model.layers=0"], "model.layers=0"),
    ("channels", lambda f: [f"genotype={f.run}", "model.init_channels=0"], "init_channels=0"),
    ("cutout", lambda f: [f"genotype={f.run}", "cutout=-1"], "cutout=-1"),
    ("grad_clip", lambda f: [f"genotype={f.run}", "grad_clip=0"], "grad_clip=0"),
    ("epochs", lambda f: [f"genotype={f.run}", "trainer.max_epochs=0"], "max_epochs=0"),
    ("batch", lambda f: [f"genotype={f.run}", "dataset.batch_size=0"], "batch_size=0"),
    (
        "cifar_missing",
        lambda f: [f"genotype={f.run}", "eval=cifar10", f"data_dir={f.root / 'none'}"],
        "CIFAR10 not found",
    ),
    (
        "cifar_truncated",
        lambda f: [f"genotype={f.run}", "eval=cifar10", f"data_dir={f.cifar_truncated}"],
        "data_batch_2",
    ),
    (
        "cifar_hostile",
        lambda f: [f"genotype={f.run}", "eval=cifar10", f"data_dir={f.cifar_hostile}"],
        "which is code, not data",
    ),
    *(
        (f"genotype_{name}", lambda f, m=mutate: [f"genotype={bad_cell(f, m)}"], names)
        for name, mutate, names in (
            (
                "unknown_op",
                lambda g: g["normal"][0].__setitem__(0, ["conv_99x99", 0]),
                "conv_99x99",
            ),
            (
                "input_17",
                lambda g: g["normal"][0].__setitem__(0, ["skip_connect", 17]),
                "input node 17",
            ),
            (
                "input_negative",
                lambda g: g["reduce"][1].__setitem__(1, ["skip_connect", -1]),
                "input node -1",
            ),
            ("concat_99", lambda g: g["normal_concat"].append(99), "concat node 99"),
            ("concat_empty", lambda g: g["reduce_concat"].clear(), "concat is empty"),
            ("three_inputs", lambda g: g["normal"][1].append(["skip_connect", 0]), "3 inputs"),
        )
    ),  # fmt: skip
    (
        "resume_search_checkpoint",
        lambda f: [f"genotype={f.run}", f"resume={f.ckpt}"],
        "another run",
    ),
    ("resume_truncated", lambda f: [f"genotype={f.run}", f"resume={f.truncated}"], "resume="),
]


def bad_cell(f: SimpleNamespace, mutate) -> Path:
    """The finished search's genotype.json, changed by `mutate`, in a file of its own."""
    genotype = json.loads(f.json.read_text())
    mutate(genotype)
    path = f.root / f"bad_cell_{abs(hash(json.dumps(genotype)))}.json"
    path.write_text(json.dumps(genotype))
    return path


@pytest.mark.parametrize("argv,names", [pytest.param(a, n, id=i) for i, a, n in TRAIN])
def test_train_cli_bad_input(files, argv, names, tmp_path, monkeypatch, capsys) -> None:
    before = tree_digest(files.run)
    run_dir = tmp_path / "run"
    code, err = cli(
        train_cli.__file__, [*argv(files), f"hydra.run.dir={run_dir}"], monkeypatch, capsys
    )
    assert_one_error_line(code, err, names)
    assert_run_dir_clean(run_dir)
    assert tree_digest(files.run) == before and not files.marker.exists()
