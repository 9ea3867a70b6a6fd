"""Bad-input suite of `darts_lab.report` and `python -m darts_lab.embedded build` (see
tests/bad_input.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from darts_lab import report as report_cli
from darts_lab.embedded import build as benchmark_cli
from tests.bad_input import assert_one_error_line, cli
from tests.hostile import tree_digest


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


REGRET_TEXT = '{"oracle": "embedded", "arch": "|none~0|", "test_acc": 0.5, "regret": "abc"}'


def folder_named(multirun: Path, name: str) -> Path:
    """Job 0's file `name` replaced by a folder of that name (unreadable as a file)."""
    path = multirun / "0" / name
    path.unlink()
    path.mkdir()
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
    ("benchmark_garbage", lambda t: [str(job(t, **{"oracle.json": "{{"}))], "oracle.json"),
    ("benchmark_list", lambda t: [str(job(t, **{"oracle.json": "[0.5]"}))], "oracle.json"),
    (
        "benchmark_binary",
        lambda t: [str(job(t, **{"oracle.json": b"\x80\x81"}))],
        "oracle.json",
    ),
    (
        "benchmark_no_oracle",
        lambda t: [str(job(t, **{"oracle.json": '{"test_acc": 0.5}'}))],
        "names no known oracle",
    ),
    (
        "benchmark_unknown_oracle",
        lambda t: [str(job(t, **{"oracle.json": '{"oracle": "nb301"}'}))],
        "names no known oracle",
    ),
    (
        "benchmark_nb201_damaged",
        lambda t: [str(job(t, **{"oracle.json": '{"oracle": "nb201", "test_accuracy": 5}'}))],
        "test_accuracy",
    ),
    (
        "benchmark_no_scores",
        lambda t: [str(job(t, **{"oracle.json": '{"oracle": "embedded", "regret": 0.1}'}))],
        "oracle.json",
    ),
    (
        "timing_seconds_text",
        lambda t: [str(job(t, **{"timing.json": '{"search_seconds": "abc"}'}))],
        "search_seconds is not a number",
    ),
    ("result_string", lambda t: [str(job(t, **{"train__result.json": '"abc"'}))], "result.json"),
    (
        "regret_string",
        lambda t: [str(job(t, **{"oracle.json": REGRET_TEXT}))],
        "regret is not a number",
    ),
    (
        "oracle_name_only",
        lambda t: [str(job(t, **{"oracle.json": '{"oracle": "embedded"}'}))],
        "no arch and no regret",
    ),
    ("timing_is_a_folder", lambda t: [str(folder_named(job(t), "timing.json"))], "timing.json"),
    ("status_is_a_folder", lambda t: [str(folder_named(job(t), "status"))], "status"),
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
    ("no_subcommand", lambda t: [], "command"),
    ("wrong_subcommand", lambda t: ["run"], "invalid choice: 'run'"),
    ("validate_no_table", lambda t: ["validate", "--table", str(t / "none.json")], "--table="),
    (
        "validate_bad_external",
        lambda t: ["validate", "--external", str(damaged_partial(t))],
        "--external=",
    ),
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
