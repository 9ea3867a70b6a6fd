"""Every combination of (activation, arch_optimizer, search_space, method), read from
conf/: the refused ones fail with one line naming both options, the others take 2 steps."""

import itertools
from pathlib import Path

import pytest
from hydra.utils import get_class
from omegaconf import OmegaConf

from darts_lab.config import ConfigError
from darts_lab.search import run_search
from tests.conftest import CONF_DIR, make_cfg, options

# what the pieces declare they cannot do together (by hand, against build()'s checks)
REFUSED = {
    ("softmax", "eg"): "stores logits",  # EG keeps the simplex
    ("crb", "eg"): "stores box",
    ("simplex", "adam"): "stores simplex",  # an additive step leaves the simplex
    ("simplex", "sgd"): "stores simplex",
    ("sigmoid", "eg"): "stores gates",
}


def target(group: str, option: str) -> type:
    return get_class(OmegaConf.load(Path(CONF_DIR) / group / f"{option}.yaml")._target_)


def refusal(activation: str, optimizer: str, space: str, method: str) -> str | None:
    """In build()'s order: the declared capabilities, the domain pairs above, then what the
    method declares it works on."""
    kind = target("activation", activation)
    if lacking := target("search_space", space).capabilities.lacks(kind.needs):
        return f"activation={activation} needs a search space with {', '.join(lacking)}"
    if (activation, optimizer) in REFUSED:
        return REFUSED[(activation, optimizer)]
    domains = target("method", method).activation_domains
    if domains is not None and kind.domain not in domains:
        return f"works on op weights from {' or '.join(domains)}"
    ops = OmegaConf.load(Path(CONF_DIR) / "search_space" / f"{space}.yaml").ops
    if method == "darts_minus" and "skip_connect" not in ops:  # its auxiliary path is a skip
        return "adds an auxiliary skip_connect"
    if method == "drop_path" and target("search_space", space).inputs == "text":
        return "drops edges of image cells"
    return None


# one option per search-space class (darts_cnn_paper is darts_cnn at another size)
SPACES = [space for space in options("search_space") if not space.endswith("_paper")]
# every activation × optimizer × space under DARTS; every other method × activation × space with
# the activation's own optimizer (the domain pairs are the method-independent part)
NATURAL = {"softmax": "adam", "simplex": "eg", "crb": "adam", "sigmoid": "adam"}
COMBINATIONS = [
    (activation, optimizer, space, "darts")
    for activation, optimizer, space in itertools.product(
        options("activation"), options("arch_optimizer"), SPACES
    )
] + [
    (activation, NATURAL[activation], space, method)
    for method, activation, space in itertools.product(
        [m for m in options("method") if m != "darts"], options("activation"), SPACES
    )
]


def test_the_groups_are_read_from_conf() -> None:
    assert {"softmax", "simplex", "crb"} <= set(options("activation"))
    assert {"darts", "erm", "second_order", "gdas"} <= set(options("method"))
    assert set(NATURAL) == set(options("activation"))


@pytest.mark.parametrize("activation,optimizer,space,method", COMBINATIONS)
def test_combination(
    activation: str, optimizer: str, space: str, method: str, tmp_path: Path
) -> None:
    target = OmegaConf.load(Path(CONF_DIR) / "search_space" / f"{space}.yaml")._target_
    data = (
        ["dataset=tiny_corpus", "task=language_model"] if get_class(target).inputs == "text" else []
    )
    cfg = make_cfg(
        *data,
        f"activation={activation}",
        f"arch_optimizer={optimizer}",
        f"search_space={space}",
        f"method={method}",
        "dataset.batch_size=16",
        "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=1",
    )
    expected = refusal(activation, optimizer, space, method)
    if expected is None:
        run_search(cfg, tmp_path)
        assert (tmp_path / "genotype.json").exists()
        return
    with pytest.raises(ConfigError, match=expected) as err:
        run_search(cfg, tmp_path)
    assert "\n" not in str(err.value)
    assert "activation=" in str(err.value) or f"method={method}" in str(err.value)
    assert not (tmp_path / "status").exists()  # refused before anything ran
