"""GAEA: ERM vs bilevel data use, op-weight entropy, warm-up epochs, EG sparsifies faster."""

import json
import math
from pathlib import Path

import lightning as L
import pytest
import torch

from darts_lab.arch.activation import Simplex
from darts_lab.arch.architecture import Architecture, mean_entropy
from darts_lab.search import build, run_search
from tests.conftest import make_cfg

FEW = ["trainer.limit_train_batches=4", "trainer.limit_val_batches=1"]


def spy_on_data(method: str, tmp_path: Path) -> dict:
    """Run a search and record which training-set rows each w-step and α-step saw."""
    module, dm, trainer, _, _ = build(make_cfg(f"method={method}", *FEW), tmp_path)
    dm.setup()
    rows = {}
    for i, (x, _) in enumerate(dm.train_aug):
        rows.setdefault(x.numpy().tobytes(), set()).add(i)
    seen = {"w": set(), "arch": set(), "arch_images": [], "order": []}

    def record(kind: str, step):  # noqa: ANN001, ANN202
        def wrapped(opt, batch, *rest):  # noqa: ANN001, ANN202
            seen["order"].append((kind, [x.numpy().tobytes() for x in batch[0]]))
            for x in batch[0]:
                seen[kind] |= rows[x.numpy().tobytes()]
                if kind == "arch":  # the rows holding this image (duplicates: several)
                    seen["arch_images"].append(rows[x.numpy().tobytes()])
            return step(opt, batch, *rest)

        return wrapped

    module.weight_step = record("w", module.weight_step)
    module.arch_step = record("arch", module.arch_step)
    trainer.fit(module, datamodule=dm)
    assert int(module.a_steps) > 0
    return {"seen": seen, "w": set(dm.w_indices.tolist()), "a": set(dm.a_indices.tolist())}


def test_bilevel_never_trains_w_on_val_data(tmp_path: Path) -> None:
    data = spy_on_data("darts", tmp_path)
    assert data["w"] and data["a"] and not data["w"] & data["a"]
    assert data["seen"]["w"] <= data["w"]  # digits has duplicate images in both halves:
    # rows are matched by content: every α-batch image must be an image of the α-val split
    assert data["seen"]["arch_images"]
    assert all(candidates & data["a"] for candidates in data["seen"]["arch_images"])


def test_erm_arch_batch_is_an_independent_training_batch_before_the_w_step(
    tmp_path: Path,
) -> None:
    """gaea_release's single level: each iteration first takes an α-step on its own random
    training batch, then the w-step on the loader's batch."""
    data = spy_on_data("erm", tmp_path)
    assert data["a"] == set()  # no α-val split at all
    assert data["seen"]["arch"] <= data["w"]  # α batches come from the training set
    order = data["seen"]["order"]
    assert [kind for kind, _ in order] == ["arch", "w"] * 4  # alternate: α first, then w
    for (_, arch_images), (_, w_images) in zip(order[0::2], order[1::2], strict=True):
        assert arch_images != w_images  # not the batch the w-step fits


def test_erm_arch_loader_shuffles_the_whole_training_set(tmp_path: Path) -> None:
    _, dm, _, _, _ = build(make_cfg("method=erm"), tmp_path)
    dm.setup()
    arch, train = dm.arch_dataloader(), dm.train_dataloader()
    assert len(arch.dataset) == len(train.dataset) == len(dm.train_aug)
    assert list(arch.sampler) != list(train.sampler)  # a stream of its own


def test_unknown_method_lists_the_methods() -> None:
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException, match="method/single") as err:
        make_cfg("method=single")
    assert all(name in str(err.value) for name in ("darts", "erm", "gdas", "drop_path"))


def test_entropy_by_hand() -> None:
    shapes = {"normal": (2, 2), "reduce": (1, 2)}
    selectable = {k: torch.ones(s, dtype=torch.bool) for k, s in shapes.items()}
    arch = Architecture(shapes, Simplex(), 0.0, selectable, lambda w, s: w)
    with torch.no_grad():
        arch.alphas["normal"].copy_(torch.tensor([[0.5, 0.5], [1.0, 0.0]]))
        arch.alphas["reduce"].copy_(torch.tensor([[0.25, 0.75]]))
    h = [math.log(2), 0.0, -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))]
    assert mean_entropy(arch.op_weights()) == pytest.approx(sum(h) / 3, rel=1e-6)


def test_warmup_epochs_take_no_arch_step(tmp_path: Path) -> None:
    module, dm, trainer, _, _ = build(
        make_cfg("arch_warmup_epochs=1", "trainer.max_epochs=2", *FEW), tmp_path
    )
    per_epoch = []

    class Count(L.Callback):
        def on_train_epoch_end(self, trainer: L.Trainer, m: L.LightningModule) -> None:
            per_epoch.append(int(m.a_steps))

    trainer.callbacks.append(Count())
    trainer.fit(module, datamodule=dm)
    assert per_epoch == [0, 4]  # alternate: one α-step per w-step once warm


def test_eg_sparsifies_faster_than_adam(tmp_path: Path) -> None:
    """GAEA Fig. 1 in miniature: same NB201 run length, EG on the simplex vs Adam on logits."""
    common = [
        "search_space=nb201",
        "search_space.init_channels=4",
        "search_space.cells_per_stage=1",
        "method=erm",
        "trainer.limit_train_batches=8",
    ]
    end = {}
    for name, opt in {"eg": ["activation=simplex", "arch_optimizer=eg"], "adam": []}.items():
        run_search(make_cfg(*common, *opt), tmp_path / name)
        end[name] = json.loads((tmp_path / name / "alphas.json").read_text())["entropy"]
    uniform = math.log(5)
    assert end["eg"] < end["adam"] < uniform
    assert uniform - end["eg"] > 5 * (uniform - end["adam"])  # EG moves ≥ 5× further


def test_gaea_darts_erm_on_nb201_digits_prints_an_arch_string(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """The issue's command, shrunk: +experiment=gaea_darts_erm search_space=nb201 dataset=digits"""
    cfg = make_cfg(
        "+experiment=gaea_darts_erm",
        "search_space=nb201",
        "dataset=digits",
        "search_space.init_channels=4",
        "search_space.cells_per_stage=1",
        "trainer.max_epochs=1",
        "trainer.limit_train_batches=3",
        "trainer.enable_progress_bar=false",
        "logger=none",
        tiny=False,
    )
    assert cfg.method._target_.endswith(".Erm") and cfg.arch_optimizer.lr == 0.1
    genotype = run_search(cfg, tmp_path)
    assert str(genotype).count("~") == 6 and str(genotype).startswith("|")
    cell = json.loads((tmp_path / "alphas.json").read_text())["weights"]["cell"]
    assert [sum(edge) for edge in cell] == pytest.approx([1.0] * 6)  # on the simplex
