"""Retraining from a saved genotype, and the evaluation network against the published size."""

import json
from pathlib import Path

import lightning as L
import pytest
import torch
from lightning.fabric.utilities.seed import pl_worker_init_function
from torch.utils.data import DataLoader

from darts_lab.config import ConfigError
from darts_lab.data.cutout import Cutout
from darts_lab.eval.network import EvalNetwork
from darts_lab.export.artifacts import write_genotype
from darts_lab.search_space.genotype import Genotype
from darts_lab.train import run_train
from tests.conftest import train_cfg

DARTS_V2 = Genotype(
    normal=[
        [("sep_conv_3x3", 0), ("sep_conv_3x3", 1)],
        [("sep_conv_3x3", 0), ("sep_conv_3x3", 1)],
        [("sep_conv_3x3", 1), ("skip_connect", 0)],
        [("skip_connect", 0), ("dil_conv_3x3", 2)],
    ],
    normal_concat=[2, 3, 4, 5],
    reduce=[
        [("max_pool_3x3", 0), ("max_pool_3x3", 1)],
        [("skip_connect", 2), ("max_pool_3x3", 1)],
        [("max_pool_3x3", 0), ("skip_connect", 2)],
        [("skip_connect", 2), ("max_pool_3x3", 1)],
    ],
    reduce_concat=[2, 3, 4, 5],
)


def test_darts_v2_has_the_published_3_3m_parameters() -> None:
    net = EvalNetwork(DARTS_V2, 3, 10, init_channels=36, layers=20, auxiliary=True)
    assert net.num_params_m() == pytest.approx(3.3, abs=0.1)  # auxiliary head not counted
    net.train()
    logits, aux = net(torch.randn(2, 3, 32, 32))
    assert logits.shape == aux.shape == (2, 10)


def test_retrain_one_epoch_on_digits_from_a_search_run_dir(tmp_path: Path) -> None:
    (tmp_path / "search").mkdir()
    write_genotype(tmp_path / "search", DARTS_V2)
    cfg = train_cfg(
        f"genotype={tmp_path / 'search'}",
        "eval=digits",
        "model.layers=3",
        "model.init_channels=4",
        "trainer.max_epochs=1",
        "trainer.limit_train_batches=3",
        "trainer.enable_progress_bar=false",
        "logger=none",
        "cutout=4",
    )
    result = run_train(cfg, tmp_path / "train")
    saved = json.loads((tmp_path / "train" / "result.json").read_text())
    assert saved == result and 0.0 <= result["test_acc"] <= 1.0
    assert result["test_error"] == pytest.approx(100 * (1 - result["test_acc"]))
    assert 0 < result["params_m"] < 0.1 and result["epochs"] == 1


def test_missing_or_nb201_genotype_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no genotype.json"):
        run_train(train_cfg(f"genotype={tmp_path}"), tmp_path / "run")
    arch = "|skip_connect~0|+|skip_connect~0|none~1|+|skip_connect~0|none~1|none~2|"
    (tmp_path / "genotype.json").write_text(json.dumps({"nb201": arch}))
    with pytest.raises(ConfigError, match="NAS-Bench-201"):
        run_train(train_cfg(f"genotype={tmp_path}"), tmp_path / "run")


def test_cutout_zeroes_one_square() -> None:
    data = [(torch.ones(1, 8, 8), 0)]
    x, _ = Cutout(data, 4)[0]
    zeros = int((x == 0).sum())
    assert 4 <= zeros <= 16 and torch.equal(Cutout(data, 0)[0][0], data[0][0])


def cutout_squares(loader: DataLoader) -> list[tuple[int, int]]:
    """(first zero row, first zero column) of each image's square, in loading order."""
    squares = []
    for x, _ in loader:
        rows, cols = (x[0, 0] == 0).nonzero(as_tuple=True)
        squares.append((int(rows.min()), int(cols.min())))
    return squares


def test_cutout_centres_differ_between_workers_and_epochs() -> None:
    """A generator copied into each worker would give every worker (and epoch) the same draws."""
    L.seed_everything(0, workers=True)
    data = Cutout([(torch.ones(1, 32, 32), 0)] * 16, 8)
    loader = DataLoader(data, batch_size=1, num_workers=2, worker_init_fn=pl_worker_init_function)
    epochs = [cutout_squares(loader) for _ in range(2)]
    for squares in epochs:  # batch i comes from worker i % 2
        assert squares[0::2] != squares[1::2]
    assert epochs[0] != epochs[1]
    assert len(set(epochs[0])) > 8  # 16 draws of 32² centres, nearly all distinct


def test_a_search_cannot_compose_a_retraining_preset() -> None:
    """Presets live in conf/eval/ (darts_lab.train's group), not beside the search rows."""
    from hydra.errors import MissingConfigException

    from tests.conftest import make_cfg

    for name in ("eval_cifar10", "cifar10"):
        with pytest.raises(MissingConfigException, match="experiment"):
            make_cfg(f"+experiment={name}")


def test_a_preset_of_the_other_kind_refuses_naming_the_presets(tmp_path: Path) -> None:
    (tmp_path / "search").mkdir()
    write_genotype(tmp_path / "search", DARTS_V2)
    cfg = train_cfg(f"genotype={tmp_path / 'search'}", "eval=tiny_corpus", "logger=none")
    with pytest.raises(
        ConfigError, match=r"holds an architecture for image, but .*conf/eval/: .*fashion_mnist"
    ):
        run_train(cfg, tmp_path / "train")
