"""Bad input fails before training, with one line naming what is wrong and what is allowed."""

import subprocess
import sys
from pathlib import Path

import pytest
from hydra.errors import ConfigCompositionException

from darts_lab.config import ConfigError
from darts_lab.search import run_search
from tests.conftest import make_cfg

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "override,message",
    [
        ("search_space.ops=[none,conv_9x9]", r"unknown op 'conv_9x9'.*allowed: none, max_pool_3x3"),
        (
            "w_optimizer.lr=0",
            r"w_optimizer.lr=0 is not allowed: it must be a positive finite number",
        ),
        ("arch_optimizer.lr=-0.1", r"arch_optimizer.lr=-0.1 is not allowed: it must be a positive"),
        ("dataset.batch_size=0", r"dataset.batch_size=0 is not allowed: it must be a positive int"),
        ("dataset.split.train_fraction=1.5", r"train_fraction=1.5 is not allowed.*between 0 and 1"),
        ("dataset.split.train_fraction=0", r"train_fraction=0 is not allowed.*between 0 and 1"),
        ("search_space.layers=2", r"layers >= 3"),
        ("w_optimizer.lr=fast", r"w_optimizer.lr='fast' is not allowed: it must be a positive"),
        ("w_optimizer.grad_clip=0", r"w_optimizer.grad_clip=0 is not allowed"),
        (
            "schedule=fimt schedule.r=0.5",
            r"schedule.r=0.5 is not allowed: it must be a number >= 1",
        ),
        ("schedule=fimt schedule.r=ten", r"schedule.r='ten' is not allowed"),
        ("schedule=fimt schedule.h_i=0.9", r"schedule.h_i=0.9 is not allowed: .* >= 1"),
        ("schedule=fimt schedule.h0=0", r"schedule.h0=0 is not allowed: .* > 0"),
        ("schedule=fimt schedule.lam=0", r"schedule.lam=0 is not allowed: .* in \(0, 1\]"),
        ("schedule=fimt schedule.lam=1.5", r"schedule.lam=1.5 is not allowed"),
        (
            "schedule=constant schedule.every=0",
            r"schedule.every=0 is not allowed: it must be an integer",
        ),
        ("regularizer=proximity regularizer.rho=-1", r"regularizer.rho=-1 is not allowed: .* >= 0"),
        ("regularizer=admm regularizer.rho=-0.5", r"regularizer.rho=-0.5 is not allowed"),
        ("regularizer=admm regularizer.discount=2", r"regularizer.discount=2 is not allowed"),
        ("seed=abc", r"seed='abc' is not allowed: it must be an integer"),
        ("seed=1.5", r"seed=1.5 is not allowed: it must be an integer"),
        ("arch_gradient=second_order arch_gradient.r=0", r"arch_gradient.r must be positive"),
        ("arch_warmup_epochs=-1", r"arch_warmup_epochs=-1 is not allowed"),
        ("dataset.split=nb201", r"dataset.split='nb201' is not allowed: .* dataset/split=NAME"),
        ("dataset.split=null", r"dataset.split=None is not allowed"),
        ("figures=no", r"figures='no' is not allowed: it must be true or false"),
        ("arch_grad_clip=0", r"arch_grad_clip=0 is not allowed: it must be a positive"),
        ("w_optimizer.warmup_epochs=-1", r"warmup_epochs=-1 is not allowed"),
        ("arch_lr_anneal=maybe", r"arch_lr_anneal='maybe' is not allowed: it must be true or"),
        ("w_optimizer.lr_interval=batch", r"lr_interval='batch' is not allowed: .* epoch, step"),
        ("arch_optimizer=eg activation=simplex arch_optimizer.order=x", r"order='x' is not"),
        (  # what goes together is read from conf/, not typed
            "search_space=darts_rnn",
            r"different data: .*\(text: dataset=ptb or tiny_corpus, task=language_model, "
            r"search_space=darts_rnn\)",
        ),
        ("regularizer=zero_one", r"regularizer=zeroone works on op weights from gates"),
    ],
)
def test_bad_values_fail_before_training(override: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        run_search(make_cfg(*override.split()), tmp_path)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "genotype.json").exists() and not (tmp_path / "status").exists()


def test_a_bug_keeps_its_traceback(tmp_path: Path) -> None:
    """Only validation errors become one-line config errors; a wrong keyword is a bug."""
    from hydra.errors import InstantiationException

    with pytest.raises(InstantiationException, match="unexpected keyword"):
        run_search(make_cfg("+schedule.no_such_option=1"), tmp_path)


def test_missing_dataset_dir(tmp_path: Path) -> None:
    from darts_lab.data.errors import DataError

    with pytest.raises(DataError, match=r"CIFAR10 not found: .*missing\. Download"):
        run_search(make_cfg("dataset=cifar10", f"data_dir={tmp_path / 'none'}"), tmp_path)
    assert not (tmp_path / "genotype.json").exists()


def test_unknown_split_lists_allowed() -> None:
    listing = r"(?s)'dataset/split/nb301'.*nb201_xvalid"
    with pytest.raises(ConfigCompositionException, match=listing):
        make_cfg("dataset/split=nb301")


def test_unknown_group_option_lists_allowed() -> None:
    with pytest.raises(ConfigCompositionException, match=r"Could not find 'dataset/mnist'") as err:
        make_cfg("dataset=mnist")
    assert "cifar10" in str(err.value) and "digits" in str(err.value)


def test_cli_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "darts_lab.search",
            "logger=none",
            "dataset=cifar10",
            f"data_dir={tmp_path / 'missing'}",
            f"hydra.run.dir={run_dir}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "cifar-10-batches-py" in errors[0]
    assert (run_dir / "status").read_text().startswith("failed")
    assert not (run_dir / "genotype.json").exists()


def test_a_new_search_refuses_a_run_dir_with_checkpoints(tmp_path: Path) -> None:
    """Lightning resumes from "last" when asked for no checkpoint: never do that silently."""
    cfg = make_cfg("trainer.limit_train_batches=1", "trainer.limit_val_batches=1")
    run_search(cfg, tmp_path)
    with pytest.raises(ConfigError, match="already holds checkpoints.*pass resume="):
        run_search(cfg, tmp_path)
