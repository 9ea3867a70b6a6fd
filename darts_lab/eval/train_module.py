"""Retraining LightningModule: cross-entropy (+ auxiliary head), SGD with cosine LR, drop-path
probability ramped linearly over the epochs (DARTS evaluation protocol)."""

from __future__ import annotations

import lightning as L
import torch
import torch.nn.functional as F
from torch.optim import SGD
from torchmetrics.classification import MulticlassAccuracy

from darts_lab.eval.lr_schedule import make_schedule
from darts_lab.eval.network import EvalNetwork
from darts_lab.lit.reliability import CheckpointedRng

Batch = tuple[torch.Tensor, torch.Tensor]


class TrainModule(CheckpointedRng, L.LightningModule):
    def __init__(
        self,
        net: EvalNetwork,
        lr: float = 0.025,
        lr_min: float = 0.0,
        momentum: float = 0.9,
        weight_decay: float = 3e-4,
        auxiliary_weight: float = 0.4,
        drop_path_prob: float = 0.2,
        lr_schedule: str = "cosine",
        warmup_epochs: int = 0,
        gamma: float = 0.97,
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["net"])
        self.net = net
        classes = net.classifier.out_features
        self.train_acc = MulticlassAccuracy(classes, average="micro")
        self.test_acc = MulticlassAccuracy(classes, average="micro")
        # ImageNet reports top-5 as well
        self.test_acc5 = (
            MulticlassAccuracy(classes, top_k=5, average="micro") if classes > 5 else None
        )

    def on_train_start(self) -> None:  # a mid-epoch resume skips on_train_epoch_start
        self.on_train_epoch_start()

    def on_train_epoch_start(self) -> None:
        epochs = max(1, self.trainer.max_epochs)
        self.net.drop_prob = self.hparams.drop_path_prob * self.current_epoch / epochs

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        x, y = batch
        logits, aux = self.net(x)
        smoothing = self.hparams.label_smoothing  # PC-DARTS/DARTS ImageNet: 0.1, both heads
        loss = F.cross_entropy(logits, y, label_smoothing=smoothing)
        if aux is not None and self.hparams.auxiliary_weight > 0:
            aux_loss = F.cross_entropy(aux, y, label_smoothing=smoothing)
            loss = loss + self.hparams.auxiliary_weight * aux_loss
        self.train_acc(logits.detach(), y)
        self.log("train/loss", loss.detach(), on_step=True, on_epoch=True, prog_bar=True)
        self.log("train/acc", self.train_acc, on_step=False, on_epoch=True, prog_bar=True)
        return loss

    def test_step(self, batch: Batch, batch_idx: int) -> None:
        x, y = batch
        logits, _ = self.net(x)
        self.test_acc(logits, y)
        self.log("test/loss", F.cross_entropy(logits, y), on_epoch=True)
        self.log("test/acc", self.test_acc, on_epoch=True)
        if self.test_acc5 is not None:
            self.test_acc5(logits, y)
            self.log("test/acc5", self.test_acc5, on_epoch=True)

    def configure_optimizers(self):
        hp = self.hparams
        opt = SGD(self.parameters(), hp.lr, momentum=hp.momentum, weight_decay=hp.weight_decay)
        epochs = max(1, self.trainer.max_epochs)
        schedule = make_schedule(opt, hp.lr_schedule, epochs, hp.lr_min, hp.gamma, hp.warmup_epochs)
        return [opt], [schedule]
