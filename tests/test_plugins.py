"""Methods and callbacks as plug-ins: a new method is one class + one yaml and composes with
every schedule × regularizer × space; every method × schedule × space runs 2 steps or refuses in
one line (lists read from conf/); two plug-in callbacks run at once; the parameter-free-op count
against a hand-made Π_S."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import torch
from hydra.utils import get_class
from omegaconf import OmegaConf

from darts_lab.callbacks.param_free_ops import ParamFreeOps
from darts_lab.config import ConfigError
from darts_lab.method.darts import Darts
from darts_lab.search import run_search
from tests.conftest import CONF_DIR, make_cfg, options

SPACES = [s for s in options("search_space") if not s.endswith("_paper")]
TWO_STEPS = [
    "dataset.batch_size=16",
    "trainer.limit_train_batches=2",
    "trainer.limit_val_batches=1",
]
STEP_OFTEN = {"constant": "schedule.every=1", "fimt": "schedule.r=1"}  # α-steps within 2 batches


class Shifted(Darts):
    """A toy method: the w-step mixes every op weight shifted by a constant."""

    calls = 0

    def __init__(self, shift: float = 0.1) -> None:
        super().__init__()
        self.shift = shift

    def w_mixing(self, ctx, batch):  # noqa: ANN001, ANN201
        Shifted.calls += 1
        weights, choices = super().w_mixing(ctx, batch)
        return {k: w + self.shift for k, w in weights.items()}, choices


@pytest.fixture(scope="module")
def toy_conf(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The toy's one yaml, in a config dir of its own on Hydra's search path."""
    root = tmp_path_factory.mktemp("conf")
    (root / "method").mkdir()
    (root / "method" / "shifted.yaml").write_text(f"_target_: {__name__}.Shifted\nshift: 0.1\n")
    return f"hydra.searchpath=[file://{root}]"


def space_data(space: str) -> list[str]:
    target = OmegaConf.load(Path(CONF_DIR) / "search_space" / f"{space}.yaml")._target_
    text = get_class(target).inputs == "text"
    return ["dataset=tiny_corpus", "task=language_model"] if text else []


def runs_or_refuses(cfg, tmp_path: Path) -> None:  # noqa: ANN001
    try:
        run_search(cfg, tmp_path)
    except ConfigError as err:
        assert "\n" not in str(err) and not (tmp_path / "status").exists()
        return
    assert (tmp_path / "genotype.json").exists()


@pytest.mark.parametrize(
    "schedule,regularizer,space",
    list(itertools.product(options("schedule"), options("regularizer"), SPACES)),
)
def test_a_toy_method_plugs_in(toy_conf, schedule, regularizer, space, tmp_path: Path) -> None:
    before = Shifted.calls
    cfg = make_cfg(
        toy_conf,
        "method=shifted",
        *space_data(space),
        f"search_space={space}",
        f"schedule={schedule}",
        f"regularizer={regularizer}",
        STEP_OFTEN.get(schedule, "seed=0"),
        *TWO_STEPS,
    )
    runs_or_refuses(cfg, tmp_path)
    assert Shifted.calls > before or not (tmp_path / "genotype.json").exists()


@pytest.mark.parametrize(
    "method,schedule,space",
    list(itertools.product(options("method"), options("schedule"), SPACES)),
)
def test_every_method_schedule_space(method, schedule, space, tmp_path: Path) -> None:
    cfg = make_cfg(
        f"method={method}",
        *space_data(space),
        f"search_space={space}",
        f"schedule={schedule}",
        STEP_OFTEN.get(schedule, "seed=0"),
        *TWO_STEPS,
    )
    runs_or_refuses(cfg, tmp_path)


def test_two_callbacks_at_once(tmp_path: Path) -> None:
    cfg = make_cfg(
        "+overlay=embedded",
        "callbacks=[param_free_ops]",
        "logger=csv",
        "figures=true",
        "trainer.max_epochs=2",
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=1",
    )
    run_search(cfg, tmp_path)
    benchmark = json.loads((tmp_path / "oracle.json").read_text())
    collapse = json.loads((tmp_path / "collapse.json").read_text())
    assert benchmark["oracle"] == "embedded" and len(benchmark["per_epoch"]) == 2
    assert len(collapse["per_epoch"]) == 2 and 0 <= collapse["param_free_ops"]["cell"] <= 6
    assert (tmp_path / "oracle.png").is_file() and (tmp_path / "param_free_ops.png").is_file()
    metrics = next(tmp_path.rglob("metrics.csv")).read_text().splitlines()[0]
    assert "collapse/param_free/cell" in metrics and "oracle/regret" in metrics


def test_param_free_count_by_hand(tmp_path: Path) -> None:
    """NB201 cell, ops (none, skip, conv, pool): Π_S = argmax per edge (none never chosen);
    edges crafted to pick skip, conv, pool, skip, conv, conv → 3 parameter-free."""
    from darts_lab.search import build

    cfg = make_cfg("+overlay=embedded", "callbacks=[param_free_ops]")
    module, _, _, plugins = build(cfg, tmp_path)
    with torch.no_grad():
        alpha = module.arch.alphas["cell"]
        alpha.fill_(0.0)
        for edge, op in enumerate([1, 2, 3, 1, 2, 2]):
            alpha[edge, op] = 5.0
        alpha[0, 0] = 9.0  # "none" strongest on edge 0: Π_S skips it and takes skip_connect
    assert ParamFreeOps.count(module) == {"cell": 3}
    assert [type(p).__name__ for p in plugins] == ["ParamFreeOps", "EmbeddedOracle"]
