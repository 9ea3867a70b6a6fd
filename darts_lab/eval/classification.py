"""Retraining a CNN genotype on images (DARTS evaluation protocol): the whole training set with
its augmentation and cutout, EvalNetwork, TrainModule; scored by test accuracy. Reads the
`model`, `optimizer`, `cutout` and `grad_clip` keys of conf/train.yaml."""

from __future__ import annotations

import lightning as L
from hydra.utils import get_class
from omegaconf import DictConfig
from torch.utils.data import DataLoader

from darts_lab.data.base import SearchDataModule
from darts_lab.data.cutout import Cutout
from darts_lab.data.resumable import EpochShuffle, ResumableLoader
from darts_lab.eval.network import multiply_adds
from darts_lab.eval.train_module import TrainModule
from darts_lab.search_space.genotype import Genotype


class ImageRetraining:
    """`retraining` for CNN genotypes (the image presets of conf/eval/)."""

    inputs = "image"

    def trainer_options(self, cfg: DictConfig, data: SearchDataModule) -> dict:
        return {"gradient_clip_val": cfg.grad_clip, "limit_val_batches": 0}

    def fit(
        self,
        cfg: DictConfig,
        genotype: Genotype,
        data: SearchDataModule,
        trainer: L.Trainer,
        ckpt_path: str | None = None,
    ) -> None:
        data.setup()  # read once (check_train already did): the whole training set, augmented
        train_set = data.train_aug
        loader = {"batch_size": data.device_batch(trainer.world_size)}  # global batch
        loader["num_workers"] = data.num_workers
        loader["pin_memory"] = data.pin_memory
        loader["persistent_workers"] = data.num_workers > 0  # no new workers every epoch
        order = EpochShuffle(len(train_set), cfg.seed)  # a resumed run sees the same batches
        train = ResumableLoader(Cutout(train_set, cfg.cutout), sampler=order, **loader)
        self.test = DataLoader(data.test_set(), shuffle=False, **loader)
        options = {k: v for k, v in cfg.model.items() if k != "_target_"}
        network = get_class(cfg.model.get("_target_", "darts_lab.eval.network.EvalNetwork"))
        self.net = network(
            genotype, data.in_channels, data.num_classes, image_size=data.image_size, **options
        )
        self.module = TrainModule(self.net, **cfg.optimizer)
        trainer.fit(self.module, train_dataloaders=train, ckpt_path=ckpt_path, weights_only=True)

    def score(self, data: SearchDataModule, trainer: L.Trainer) -> dict:
        """Test accuracy of the trained network (after `fit`)."""
        result = trainer.test(self.module, dataloaders=self.test, verbose=False)[0]
        accuracy = float(result["test/acc"])
        top5 = {"test_acc5": float(result["test/acc5"])} if "test/acc5" in result else {}
        return {
            "test_acc": accuracy,
            "test_error": 100.0 * (1.0 - accuracy),
            **top5,
            "params_m": self.net.num_params_m(),
            # the papers' "×+" column (ImageNet's mobile setting: at most 600M)
            "multiply_adds_m": multiply_adds(self.net, data.image_size, data.in_channels) / 1e6,
        }
