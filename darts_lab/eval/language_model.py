"""Retraining a recurrent genotype (quark0/darts `rnn/train.py`): the discrete cell without
BatchNorm at 850 units, DARTS's evaluation dropouts, SGD (lr 20, wd 8e-7, clip 0.25, the LR
scaled by each window's length / bptt), TAR 1e-3, and the switch to averaged SGD (ASGD, t0 = 0,
λ = 0) once the validation loss is worse than the best of all but the last `nonmono` epochs.
Validation and test use the averaged weights after the switch, and the test perplexity is that
of the epoch with the best validation perplexity."""

from __future__ import annotations

import copy
import math

import lightning as L
import torch
from omegaconf import DictConfig
from torch.optim import ASGD, SGD, Optimizer

from darts_lab.data.text import TextBatch, TextDataModule
from darts_lab.lit.reliability import CheckpointedRng
from darts_lab.search_space.darts_rnn import RnnGenotype
from darts_lab.search_space.rnn_cell import DiscreteCell, RnnLanguageModel
from darts_lab.task.language_model import LanguageModel
from darts_lab.w_optimizer.lr import scaled_step


class RnnEvalModel(RnnLanguageModel):
    """Embedding → the genotype's cell → tied decoder (DARTS's RNNModel)."""

    def __init__(
        self,
        genotype: RnnGenotype,
        vocab_size: int,
        nhid: int = 850,
        dropout: float = 0.75,
        dropouth: float = 0.25,
        dropoutx: float = 0.75,
        dropouti: float = 0.2,
        dropoute: float = 0.1,
    ) -> None:
        cell = DiscreteCell(genotype.recurrent, nhid, nhid, dropouth, dropoutx, batchnorm=False)
        super().__init__(cell, vocab_size, nhid, dropout, dropouti, dropoute)

    def forward(
        self, x: torch.Tensor, weights: object = None, choices: object = None, hidden=None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The supernet's call signature, so the language-model task drives both."""
        if hidden is None:
            hidden = self.init_hidden(x.size(1))
        return self.language_model(x, hidden)

    def num_params_m(self) -> float:
        return sum(p.numel() for p in self.parameters()) / 1e6


class LmTrainModule(CheckpointedRng, L.LightningModule):
    def __init__(
        self,
        net: RnnEvalModel,
        task: LanguageModel,
        lr: float = 20.0,
        weight_decay: float = 8e-7,
        clip: float = 0.25,
        nonmono: int = 5,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["net", "task"])
        self.automatic_optimization = False
        self.net, self.task = net, task
        self.val_metric, self.test_metric = task.metric(), task.metric()
        self.asgd: ASGD | None = None
        self.asgd_epoch: int | None = None
        self.val_history: list[float] = []  # validation loss per epoch
        self.best: dict | None = None  # the state with the best validation loss

    def configure_optimizers(self) -> Optimizer:
        hp = self.hparams
        return SGD(self.net.parameters(), hp.lr, weight_decay=hp.weight_decay)

    def optimizer(self) -> Optimizer:
        return self.asgd if self.asgd is not None else self.optimizers()

    def on_train_epoch_start(self) -> None:
        self.task.reset()

    def training_step(self, batch: TextBatch, batch_idx: int) -> None:
        output, target = self.task(self.net, batch, None)
        loss = self.task.loss(output, target)
        opt = self.optimizer()
        opt.zero_grad(set_to_none=True)
        self.manual_backward(loss)
        torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.hparams.clip)
        scaled_step(opt, self.task.lr_scale(batch))
        self.log("train/loss", loss.detach(), prog_bar=True, batch_size=self.task.batch_size(batch))

    def averaged(self) -> dict | None:
        """ASGD's averaged weights by parameter name (None before the switch)."""
        if self.asgd is None:
            return None
        return {n: self.asgd.state[p]["ax"] for n, p in self.net.named_parameters()}

    def _swap(self, values: dict | None) -> dict | None:
        """Put `values` into the parameters; return what was there."""
        if values is None:
            return None
        old = {n: p.detach().clone() for n, p in self.net.named_parameters()}
        with torch.no_grad():
            for n, p in self.net.named_parameters():
                p.copy_(values[n])
        return old

    def on_validation_epoch_start(self) -> None:
        self.task.reset()
        self._held = self._swap(self.averaged())

    def _eval_step(self, batch: TextBatch, metric, prefix: str) -> None:
        output, target = self.task(self.net, batch, None)
        metric(*self.task.metric_inputs(output, target))
        size = self.task.batch_size(batch)
        self.log(f"{prefix}/ppl", metric, batch_size=size, prog_bar=prefix == "val")

    def validation_step(self, batch: TextBatch, batch_idx: int) -> None:
        self._eval_step(batch, self.val_metric, "val")

    def on_validation_epoch_end(self) -> None:
        if self.trainer.sanity_checking:
            self._swap(self._held)
            return
        loss = math.log(float(self.val_metric.compute()))
        if not self.val_history or loss < min(self.val_history):
            self.best = copy.deepcopy({n: p.detach() for n, p in self.net.named_parameters()})
        self._swap(self._held)
        n = self.hparams.nonmono
        if self.asgd is None and len(self.val_history) > n and loss > min(self.val_history[:-n]):
            hp = self.hparams
            self.asgd = ASGD(
                self.net.parameters(), hp.lr, t0=0, lambd=0.0, weight_decay=hp.weight_decay
            )
            self.asgd_epoch = self.current_epoch
        self.val_history.append(loss)

    def on_test_epoch_start(self) -> None:
        self.task.reset()
        self._swap(self.best)  # DARTS tests the model saved at the best validation loss

    def test_step(self, batch: TextBatch, batch_idx: int) -> None:
        self._eval_step(batch, self.test_metric, "test")


class TextRetraining:
    """`retraining` for recurrent genotypes (eval=ptb, eval=tiny_corpus); its settings are its
    own (`retraining.model`, `retraining.optimizer`, `retraining.tar`)."""

    inputs = "text"

    def __init__(self, model: DictConfig | dict, optimizer: DictConfig | dict, tar: float) -> None:
        self.model, self.optimizer, self.tar = dict(model), dict(optimizer), tar

    def trainer_options(self, cfg: DictConfig, data: TextDataModule) -> dict:
        return {**data.trainer_options(), "num_sanity_val_steps": 0}

    def fit(
        self,
        cfg: DictConfig,
        genotype: RnnGenotype,
        data: TextDataModule,
        trainer: L.Trainer,
        ckpt_path: str | None = None,
    ) -> None:
        self.net = RnnEvalModel(genotype, data.vocab_size, **self.model)
        task = LanguageModel(tar=self.tar, bptt=data.bptt)
        self.module = LmTrainModule(self.net, task, **self.optimizer)
        trainer.fit(self.module, datamodule=data, ckpt_path=ckpt_path, weights_only=True)

    def score(self, data: TextDataModule, trainer: L.Trainer) -> dict:
        """Best validation perplexity and the test perplexity of its weights (after `fit`)."""
        test = trainer.test(self.module, datamodule=data, verbose=False)[0]["test/ppl"]
        return {
            "valid_ppl": math.exp(min(self.module.val_history)),
            "test_ppl": float(test),
            "params_m": self.net.num_params_m(),
            "asgd_epoch": self.module.asgd_epoch,
        }
