"""Composability: every method × search space (with PC-DARTS), each with one of the architecture
optimizers and one of the schedule × regularizer pairs in turn, runs 2 batches on tiny digits."""

import itertools
import json
import math
from pathlib import Path

import pytest
from hydra.utils import get_class
from omegaconf import OmegaConf

from darts_lab.export.artifacts import read_status
from darts_lab.search import run_search
from tests.conftest import CONF_DIR, make_cfg, options


def method_class(method: str) -> type:
    return get_class(OmegaConf.load(Path(CONF_DIR) / "method" / f"{method}.yaml")._target_)


PARAMETRIZATIONS = {
    "adam": ["arch_optimizer=adam"],
    "eg": ["activation=simplex", "arch_optimizer=eg"],
    "sgd": ["arch_optimizer=sgd", "arch_optimizer.lr=0.01"],
    "sigmoid": ["activation=sigmoid"],  # FairDARTS's gates
}
SPACES = {
    "darts": [],
    "pcdarts": ["search_space.partial_channels=2", "search_space.edge_weights=true"],
    "nb201": [
        "search_space=nb201",
        "search_space.init_channels=4",
        "search_space.cells_per_stage=1",
    ],
    "nb1shot1": ["search_space=nb1shot1"],
    "darts_rnn": ["search_space=darts_rnn", "dataset=tiny_corpus", "task=language_model"],
}
PAIRS = list(itertools.product(options("schedule"), options("regularizer")))  # from conf/
METHODS = options("method")  # read from conf/method/
# every method × space; the parametrizations and the schedule × regularizer pairs in turn
DOMAIN = {"adam": "logits", "eg": "simplex", "sgd": "logits", "sigmoid": "gates"}  # as stored
# the method × space pairs refused in one line (tests/test_combinations.py checks the refusal)
REFUSED = {("darts_minus", "nb1shot1"), ("darts_minus", "darts_rnn"), ("drop_path", "darts_rnn")}


def parametrizations(method: str) -> list[str]:
    """Those whose weights the method declares it works on (β-DARTS: logits only)."""
    domains = method_class(method).activation_domains
    return [p for p in PARAMETRIZATIONS if domains is None or DOMAIN[p] in domains]


CASES = [
    (
        parametrizations(method)[i % len(parametrizations(method))],
        method,
        space,
        *PAIRS[i % len(PAIRS)],
    )
    for i, (method, space) in enumerate(
        pair for pair in itertools.product(METHODS, SPACES) if pair not in REFUSED
    )
]
# CRB is defined on the DARTS cell (it edits its op list and node BatchNorm): DARTS spaces only
CASES += [
    ("crb", method, space, "fimt", "proximity")
    for method in METHODS
    for space in ("darts", "pcdarts")
    if "box" in (method_class(method).activation_domains or ("box",))  # SDARTS: the simplex only
]
PARAMETRIZATIONS["crb"] = ["activation=crb"]
STEP_OFTEN = {"constant": "schedule.every=1", "fimt": "schedule.r=1"}  # α-steps within 2 batches


@pytest.mark.parametrize(("param", "method", "space", "schedule", "regularizer"), CASES)
def test_combination_runs(
    param: str, method: str, space: str, schedule: str, regularizer: str, tmp_path: Path
) -> None:
    cfg = make_cfg(
        *PARAMETRIZATIONS[param],
        *SPACES[space],
        f"method={method}",
        f"schedule={schedule}",
        f"regularizer={regularizer}",
        STEP_OFTEN.get(schedule, "seed=0"),
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=1",
    )
    genotype = run_search(cfg, tmp_path)
    assert genotype is not None and read_status(tmp_path) == "finished"
    weights = json.loads((tmp_path / "alphas.json").read_text())["weights"]
    assert all(math.isfinite(v) for w in weights.values() for row in w for v in row)
