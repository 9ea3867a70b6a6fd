"""The bad-input suite: every entry point (search, train, report, benchmark) fed bad values and
bad files from the command line, run in-process (the real `main`, Hydra's CLI parsing included).
Each must exit 2 with exactly one `error:` line naming the option, no traceback, nothing in the
run dir but Hydra's record and `status` = failed, and no file of a resumed run dir changed."""

from __future__ import annotations

import json
import runpy
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from darts_lab import report as report_cli
from darts_lab import search as search_cli
from darts_lab import train as train_cli
from darts_lab.benchmark import build as benchmark_cli
from darts_lab.search import run_search
from tests.conftest import make_cfg, write_cifar
from tests.hostile import Payload, hostile_checkpoint, hostile_pickle, tree_digest, truncated
from tests.test_nb201 import write_benchmark
from tests.test_rnn import write_ptb

TINY = [
    "dataset.batch_size=32",
    "trainer.max_epochs=1",
    "trainer.enable_progress_bar=false",
    "logger=none",
]
HYDRA_RECORD = {".hydra", "search.log", "train.log"}  # Hydra writes these before any main runs


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """One real finished search (its run dir and checkpoint) and the bad files made from it."""
    root = tmp_path_factory.mktemp("files")
    run = root / "finished"
    run_search(make_cfg("trainer.limit_train_batches=2", "trainer.limit_val_batches=1"), run)
    ckpt = run / "checkpoints" / "last.ckpt"
    f = SimpleNamespace(root=root, run=run, ckpt=ckpt, marker=root / "marker")
    f.truncated = truncated(ckpt, root / "truncated" / "last.ckpt")
    (root / "garbage.ckpt").write_bytes(b"\x00\x01 not a checkpoint" * 50)
    f.garbage = root / "garbage.ckpt"
    f.json = root / "genotype_copy.json"
    shutil.copy(run / "genotype.json", f.json)
    f.plain = root / "plain.ckpt"
    torch.save({"weights": torch.zeros(3)}, f.plain)
    checkpoint = torch.load(ckpt, weights_only=True)
    checkpoint.pop("darts_lab")
    f.unmarked = root / "unmarked.ckpt"
    torch.save(checkpoint, f.unmarked)
    f.hostile = hostile_checkpoint(ckpt, root / "hostile" / "last.ckpt", f.marker)
    f.nb201 = write_benchmark(
        root / "nb201.pth", {"cifar10": 90, "cifar100": 60, "ImageNet16-120": 30}
    )
    f.nb201_truncated = truncated(f.nb201, root / "nb201_truncated.pth")
    f.nb201_foreign = root / "nb201_foreign.pth"
    torch.save({"meta_archs": []}, f.nb201_foreign)
    f.nb201_hostile = root / "nb201_hostile.pth"
    hostile = {"meta_archs": [], "arch2infos": Payload(f.marker), "evaluated_indexes": []}
    torch.save(hostile, f.nb201_hostile)
    f.nb101_garbage = root / "nb101.tfrecord"
    f.nb101_garbage.write_bytes(b"\xff" * 40)
    f.table_garbage = root / "table.json"
    f.table_garbage.write_text('{"protocol": ')
    f.table_foreign = root / "table_foreign.json"
    f.table_foreign.write_text("[1, 2, 3]")
    f.cifar_truncated = root / "cifar_truncated"
    batch = write_cifar(f.cifar_truncated) / "data_batch_2"
    truncated(batch, batch)
    f.cifar_hostile = root / "cifar_hostile"
    hostile_pickle(write_cifar(f.cifar_hostile) / "data_batch_1", f.marker)
    f.ptb_binary = root / "ptb_binary"
    write_ptb(f.ptb_binary / "ptb")
    (f.ptb_binary / "ptb" / "ptb.valid.txt").write_bytes(b"\xff\xfe\x00\x00binary")
    f.nb201_genotype = root / "nb201_genotype.json"
    f.nb201_genotype.write_text(
        json.dumps({"nb201": "|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|"})
    )
    f.rnn_genotype = root / "rnn_genotype.json"
    f.rnn_genotype.write_text(json.dumps({"recurrent": [["tanh", 0]], "concat": [1]}))
    f.bad_genotype = root / "bad_genotype.json"
    f.bad_genotype.write_text(json.dumps({"normal": 5}))
    return f


def cli(script: str, argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys) -> tuple[int, str]:
    """`python -m <module> argv...` in this process: the module's file runs as __main__, as
    with -m (so Hydra finds conf/ beside it)."""
    monkeypatch.setattr(sys, "argv", [script, *argv])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(script, run_name="__main__")
    return exit_.value.code, capsys.readouterr().err


def assert_one_error_line(code: int, err: str, names: str) -> str:
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert code == 2, err
    assert len(errors) == 1, err
    assert "Traceback" not in err
    assert names in errors[0], errors[0]
    return errors[0]


def assert_run_dir_clean(run_dir: Path) -> None:
    if run_dir.exists():
        assert {p.name for p in run_dir.iterdir()} <= HYDRA_RECORD | {"status"}
        assert (run_dir / "status").read_text().startswith("failed")


# (case id, CLI arguments given the files, what the error line must name)
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
            f"oracle.benchmark_file={f.root / 'no.pth'}",
        ],
        "oracle.benchmark_file=",
    ),
    (
        "nb201_file_truncated",
        lambda f: [
            "search_space=nb201",
            "oracle=nb201",
            f"oracle.benchmark_file={f.nb201_truncated}",
        ],
        "oracle.benchmark_file=",
    ),
    (
        "nb201_file_foreign",
        lambda f: [
            "search_space=nb201",
            "oracle=nb201",
            f"oracle.benchmark_file={f.nb201_foreign}",
        ],
        "oracle.benchmark_file=",
    ),
    (
        "nb201_file_hostile",
        lambda f: [
            "search_space=nb201",
            "oracle=nb201",
            f"oracle.benchmark_file={f.nb201_hostile}",
        ],
        "which is code, not data",
    ),
    (
        "nb101_file_garbage",
        lambda f: [
            "search_space=nb1shot1",
            "oracle=nb101",
            f"oracle.benchmark_file={f.nb101_garbage}",
        ],
        "oracle.benchmark_file=",
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
]


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


def job(multirun: Path, name: str = "0", **files: str | bytes) -> Path:
    """A Hydra job directory of a finished search (as a multirun leaves it), with `files`."""
    folder = multirun / name
    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "overrides.yaml").write_text("- +experiment=darts\n- seed=1\n")
    (folder / "status").write_text("finished\n")
    (folder / "timing.json").write_text('{"search_seconds": 1.0}')
    for path, content in files.items():
        target = folder / path.replace("__", "/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    return multirun


REPORT = [
    ("no_argument", lambda t: [], "usage"),
    ("two_arguments", lambda t: [str(t), str(t)], "usage"),
    ("nowhere", lambda t: [str(t / "nowhere")], "not a directory"),
    ("a_file", lambda t: [str(job(t) / "0" / "status")], "not a directory"),
    ("empty_dir", lambda t: [str(t)], "no Hydra job directories"),
    ("dirs_without_hydra", lambda t: [str((t / "x").mkdir() or t)], "no Hydra job directories"),
    (
        "overrides_garbage",
        lambda t: [str(job(t, **{".hydra__overrides.yaml": "[unclosed"}))],
        "overrides.yaml",
    ),
    (
        "overrides_mapping",
        lambda t: [str(job(t, **{".hydra__overrides.yaml": "a: 1"}))],
        "overrides.yaml",
    ),
    (
        "overrides_binary",
        lambda t: [str(job(t, **{".hydra__overrides.yaml": b"\xff\xfe"}))],
        "overrides.yaml",
    ),
    ("status_binary", lambda t: [str(job(t, status=b"\xff\xfe\x00"))], "status"),
    ("timing_garbage", lambda t: [str(job(t, **{"timing.json": "{"}))], "timing.json"),
    ("timing_empty", lambda t: [str(job(t, **{"timing.json": ""}))], "timing.json"),
    ("timing_list", lambda t: [str(job(t, **{"timing.json": "[1]"}))], "timing.json"),
    ("timing_no_seconds", lambda t: [str(job(t, **{"timing.json": "{}"}))], "timing.json"),
    ("timing_binary", lambda t: [str(job(t, **{"timing.json": b"\xff"}))], "timing.json"),
    ("result_garbage", lambda t: [str(job(t, **{"train__result.json": "nope"}))], "result.json"),
    ("result_list", lambda t: [str(job(t, **{"train__result.json": "[]"}))], "result.json"),
    (
        "result_no_params",
        lambda t: [str(job(t, **{"train__result.json": '{"test_error": 3}'}))],
        "result.json",
    ),
    (
        "result_no_score",
        lambda t: [str(job(t, **{"train__result.json": '{"params_m": 3}'}))],
        "result.json",
    ),
    (
        "result_truncated",
        lambda t: [str(job(t, **{"train__result.json": '{"params_m": 3, "te'}))],
        "result.json",
    ),
    ("benchmark_garbage", lambda t: [str(job(t, **{"benchmark.json": "{{"}))], "benchmark.json"),
    ("benchmark_list", lambda t: [str(job(t, **{"benchmark.json": "[0.5]"}))], "benchmark.json"),
    (
        "benchmark_binary",
        lambda t: [str(job(t, **{"benchmark.json": b"\x80\x81"}))],
        "benchmark.json",
    ),
    (
        "benchmark_no_scores",
        lambda t: [str(job(t, **{"benchmark.json": '{"regret": 0.1}'}))],
        "benchmark.json",
    ),
    (
        "second_job_damaged",
        lambda t: [str(job(job(t), "1", **{"timing.json": "x"}))],
        "1/timing.json",
    ),
]


@pytest.mark.parametrize("argv,names", [pytest.param(a, n, id=i) for i, a, n in REPORT])
def test_report_cli_bad_input(argv, names, tmp_path, monkeypatch, capsys) -> None:
    multirun = tmp_path / "multirun"
    multirun.mkdir()
    args = argv(multirun)
    before = tree_digest(multirun)
    code, err = cli(report_cli.__file__, args, monkeypatch, capsys)
    assert_one_error_line(code, err, names)
    assert tree_digest(multirun) == before  # no report.md / report.csv / report.png


BENCHMARK = [
    ("no_subcommand", lambda t: [], "usage"),
    ("wrong_subcommand", lambda t: ["run"], "usage"),
    ("unknown_option", lambda t: ["build", "--fast"], "unrecognized arguments: --fast"),
    ("jobs_zero", lambda t: ["build", "--jobs", "0"], "--jobs"),
    ("jobs_negative", lambda t: ["build", "--jobs", "-2"], "--jobs"),
    ("jobs_text", lambda t: ["build", "--jobs", "many"], "--jobs"),
    ("jobs_no_value", lambda t: ["build", "--jobs"], "--jobs"),
    ("limit_zero", lambda t: ["build", "--limit", "0"], "--limit"),
    ("limit_negative", lambda t: ["build", "--limit", "-3"], "--limit"),
    ("limit_text", lambda t: ["build", "--limit", "all"], "--limit"),
    ("epochs_zero", lambda t: ["build", "--epochs", "0"], "--epochs"),
    ("epochs_float", lambda t: ["build", "--epochs", "1.5"], "--epochs"),
    ("epochs_negative", lambda t: ["build", "--epochs", "-5"], "--epochs"),
    ("seeds_negative", lambda t: ["build", "--seeds", "-1"], "--seeds"),
    ("seeds_too_big", lambda t: ["build", "--seeds", "4294967296"], "--seeds"),
    ("seeds_text", lambda t: ["build", "--seeds", "x"], "--seeds"),
    ("seeds_repeated", lambda t: ["build", "--seeds", "1", "1"], "--seeds"),
    ("seeds_empty", lambda t: ["build", "--seeds"], "--seeds"),
    ("ops_unknown", lambda t: ["build", "--ops", "none", "conv_9x9"], "--ops"),
    ("ops_case", lambda t: ["build", "--ops", "NONE"], "--ops"),
    ("ops_repeated", lambda t: ["build", "--ops", "none", "none"], "--ops"),
    ("ops_empty", lambda t: ["build", "--ops"], "--ops"),
    ("out_missing_dir", lambda t: ["build", "--out", str(t / "no" / "t.json")], "--out"),
    ("out_is_a_dir", lambda t: ["build", "--out", str(t)], "--out"),
    (
        "partial_damaged",
        lambda t: ["build", "--out", str(damaged_partial(t))],
        "partial.jsonl line 2",
    ),
    ("partial_foreign", lambda t: ["build", "--out", str(damaged_partial(t, "[1, 2]"))], "line 2"),
]


def damaged_partial(folder: Path, line: str = "{not json") -> Path:
    """A resumed build whose partial file has one good and one damaged line."""
    (folder / "t.partial.jsonl").write_text('["k", {"seed": 0}]\n' + line + "\n")
    return folder / "t.json"


@pytest.mark.parametrize("argv,names", [pytest.param(a, n, id=i) for i, a, n in BENCHMARK])
def test_benchmark_cli_bad_input(argv, names, tmp_path, monkeypatch, capsys) -> None:
    args = argv(tmp_path)
    before = tree_digest(tmp_path)
    script = str(Path(benchmark_cli.__file__).with_name("__main__.py"))
    code, err = cli(script, args, monkeypatch, capsys)
    assert_one_error_line(code, err, names)
    assert tree_digest(tmp_path) == before  # no table, no partial file written
