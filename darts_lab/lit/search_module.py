"""The search LightningModule: DARTS-PRIME Algorithm 1 as a manual-optimization training step.

Which α-steps happen is the schedule's call, how α moves is the architecture optimizer's, what is
added to the α loss is the regularizer's; the order of the two steps and what each forward mixes
are the method's (conf/method/); at which w the α-gradient is taken is the α-gradient rule's
(conf/arch_gradient/); what a batch, a loss and a metric are is the task's; how the final cell
is read, in epochs of its own after the supernet's, is the selection's (conf/selection/). This
module only wires them into the step.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import lightning as L
import torch
from torch import nn
from torch.optim import Optimizer
from torch.optim.lr_scheduler import CosineAnnealingLR, LRScheduler

from darts_lab.arch.architecture import Architecture, mean_entropy
from darts_lab.arch_gradient.base import ArchGradient, StepContext
from darts_lab.arch_gradient.first_order import FirstOrder
from darts_lab.arch_optimizer import OptimizerFactory
from darts_lab.config import ConfigError
from darts_lab.lit.gradients import GradientScale
from darts_lab.lit.probe import Probe
from darts_lab.lit.reliability import ReliableSearch
from darts_lab.lit.settings import Acceleration, ArchPacing
from darts_lab.method.base import SearchMethod
from darts_lab.regularizer.base import Regularizer
from darts_lab.schedule.base import Schedule
from darts_lab.search_space.base import GenotypeBase, SearchSpace
from darts_lab.selection.base import Selection, SelectionContext
from darts_lab.selection.magnitude import Magnitude
from darts_lab.task.base import Task
from darts_lab.w_optimizer.base import WeightOptimizer
from darts_lab.w_optimizer.lr import scaled_step

Batch = Any  # the task's: (images, labels), or a TextBatch window


class SearchModule(GradientScale, ReliableSearch, L.LightningModule):
    def __init__(
        self,
        net: SearchSpace,
        arch: Architecture,
        arch_optimizer: OptimizerFactory,
        schedule: Schedule,
        regularizer: Regularizer,
        task: Task,
        method: SearchMethod,
        w_optimizer: WeightOptimizer,
        pacing: ArchPacing | None = None,
        acceleration: Acceleration | None = None,
        selection: Selection | None = None,
        arch_gradient: ArchGradient | None = None,
    ) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.pacing, self.acceleration = pacing or ArchPacing(), acceleration or Acceleration()
        self.save_hyperparameters(asdict(self.pacing) | asdict(self.acceleration))  # loggers
        self.net, self.arch = net, arch
        if self.acceleration.recompute_edges and not net.set_recompute(True):
            raise ConfigError(
                f"perf.recompute_edges checkpoints mixed ops, and {type(net).__name__} has none"
            )
        self.schedule, self.regularizer = schedule, regularizer
        self.task, self.method = task, method
        self.arch_gradient = arch_gradient or FirstOrder()  # conf/arch_gradient/
        # GAEA ERM, SDARTS, second order: the α-step comes before the w-step
        self.arch_step_first = method.arch_step_first or self.arch_gradient.arch_step_first
        self.selection = selection or Magnitude()  # an nn.Module: its state is checkpointed
        self.selection.bind(net, arch)
        self.probe = Probe(self)  # scores the supernet for the selection
        self.arch_optimizer_factory, self.w_optimizer = arch_optimizer, w_optimizer
        self.train_metric, self.val_metric = task.metric(), task.metric()
        self.register_buffer("w_steps", torch.zeros((), dtype=torch.long))
        self.register_buffer("a_steps", torch.zeros((), dtype=torch.long))
        self.alpha_history: list[dict[str, torch.Tensor]] = []  # activated α after each epoch
        self.schedule_history: list[dict[str, float]] = []  # schedule metrics after each w-step
        self._arch_batches: Iterator[Batch] | None = None
        self._epoch_start_steps = (0, 0)  # (w, α) step totals when this epoch began
        self.arch_max_diff = 0.0  # largest α difference between DDP ranks, at the end
        self.last_arch_batch: Batch | None = None  # the latest α-step's (collapse diagnostics)

    def configure_model(self) -> None:
        """The precision's dtype, then the GPU fast paths: NHWC memory format (tensor cores),
        torch.compile of the supernet (in place, so checkpoints keep their keys; GDAS
        recompiles per sample: leave it off)."""
        super().configure_model()  # the precision's dtype before a checkpoint is restored
        if self.acceleration.channels_last:
            self.net.to(memory_format=torch.channels_last)
        backend = self.acceleration.compile_backend
        if backend and not getattr(self, "_compiled", False):
            self.net.compile(backend=backend)
            self._compiled = True

    def configure_optimizers(self):
        w_opt = self.w_optimizer.optimizer(self.net.parameters())
        a_opt = self.arch_optimizer_factory(self.arch.parameters())
        epochs = self.search_epochs()  # the supernet's: a selection's epochs come after
        steps = (
            self.trainer.estimated_stepping_batches * epochs // max(1, self.trainer.max_epochs)
            if self.w_optimizer.per_step
            else epochs
        )
        schedulers = [self.w_optimizer.scheduler(w_opt, epochs, steps)]
        if self.pacing.lr_anneal:  # not in the DARTS, DARTS-PRIME or GAEA code: an ablation
            schedulers.append(CosineAnnealingLR(a_opt, T_max=epochs, eta_min=0.0))
        return [w_opt, a_opt], schedulers

    # -- the step: Algorithm 1, lines 3-11 -------------------------------------------------
    def training_step(self, batch: Batch, batch_idx: int) -> None:
        w_opt, a_opt = self.optimizers()
        batch = self.task.prepare(batch)
        if self.arch_step_first:
            self.maybe_arch_step(a_opt, batch, batch_idx)
        fimt = self.weight_step(w_opt, batch)
        if fimt is not None:  # None: an fp16 overflow the loss scaler skips; nothing to observe
            self.schedule.observe(fimt)
        if not self.arch_step_first:  # Algorithm 1: the schedule sees this w-step first
            self.maybe_arch_step(a_opt, batch, batch_idx)
        if metrics := self.schedule.metrics():
            self.log_dict(metrics, on_step=True, on_epoch=False)
            self.schedule_history.append(metrics)  # for the FIMT figure (DARTS-PRIME Fig. 3)

    def maybe_arch_step(self, a_opt: Optimizer, w_batch: Batch, batch_idx: int) -> None:
        if self.arch_warm() and self.schedule.arch_step_due():
            self.arch_step(a_opt, self.next_arch_batch(), self.progress(batch_idx), w_batch)

    def weight_step(self, w_opt: Optimizer, batch: Batch) -> torch.Tensor | None:
        """One SGD step on the w-train batch; returns tr(G Gᵀ) of its unclipped gradient G
        (None when an fp16 loss scale overflowed: the scaler skips that step)."""
        mixing = self.method.w_mixing(self.step_context(w_opt), batch)  # α fixed
        output, target = self.task(self.net, batch, *mixing)
        loss = self.task.loss(output, target)
        w_opt.zero_grad(set_to_none=True)
        self.manual_backward(loss)
        grad_norm = self.clip_true_gradients()
        if grad_norm is None:
            w_opt.step()  # the loss scaler sees the overflow: skips the step, lowers its scale
            return None
        self.check_finite("w-gradient norm (train loss)", grad_norm)  # before w moves
        scaled_step(w_opt, self.task.lr_scale(batch) * self.warmup_scale())
        if self.w_optimizer.per_step and not self.selecting():
            self.w_lr_scheduler().step()
        self.w_steps += 1
        self.train_metric(*self.task.metric_inputs(output, target))
        name = self.task.metric_name
        size = self.task.batch_size(batch)
        self.log(
            "train/loss", loss.detach(), on_step=True, on_epoch=True, prog_bar=True, batch_size=size
        )
        self.log(f"train/{name}", self.train_metric, on_step=False, on_epoch=True, prog_bar=True)
        return grad_norm.square()

    def arch_step(self, a_opt: Optimizer, batch: Batch, progress: float, w_batch: Batch) -> None:
        """One step of the architecture optimizer on the α loss (+ regularizer); the α-gradient
        rule (first order, unrolled: conf/arch_gradient/) is applied at the method's mixing."""
        penalty = self.regularizer.penalty(self.arch, progress)
        a_opt.zero_grad(set_to_none=True)
        loss = self.method.arch_gradient(self.step_context(), batch, w_batch, penalty)
        norm = nn.utils.get_total_norm([a.grad for a in self.arch.parameters()])
        if self.loss_scaler() is not None and not torch.isfinite(norm):
            a_opt.step()  # an fp16 overflow is the scaler's, as in the w-step: skipped, rescaled
            return
        self.check_finite("α-gradient norm (α loss)", norm)
        self.clip_arch_gradient(norm)
        a_opt.step()
        self.regularizer.after_arch_step(self.arch)
        if self.arch.prune():  # CRB: ops whose α fell to ≤ 0 leave the supernet for good
            self.net.set_alive(self.arch.alive())
        self.a_steps += 1
        self.last_arch_batch = batch
        self.log(
            "arch/loss", loss, on_step=True, on_epoch=True, batch_size=self.task.batch_size(batch)
        )
        if metrics := self.regularizer.metrics():
            self.log_dict(metrics, on_step=True, on_epoch=False)

    def step_context(self, w_optimizer: Optimizer | None = None) -> StepContext:
        """What the method sees of the search."""
        return StepContext(
            self.net,
            self.task,
            self.arch,
            w_optimizer or self.optimizers()[0],
            self.arch_backward,
            self.set_arch_grad,
            self.arch_gradient,
        )

    def arch_warm(self) -> bool:
        """No α-step while the method holds α frozen: the first `arch_warmup_epochs` epochs
        (PC-DARTS / GAEA warm-up; DrNAS: those of each stage)."""
        epoch, epochs = self.search_epoch(), self.search_epochs()
        return not self.method.arch_frozen(epoch, epochs, self.pacing.warmup_epochs)

    def next_arch_batch(self) -> Batch:
        """The next α batch: bilevel from the α-val split, ERM an independent training batch."""
        if self._arch_batches is None:
            # on resume, continue the α stream where the checkpoint left it
            self._arch_batches = self.trainer.datamodule.arch_stream(
                self.trainer.global_rank, self.trainer.world_size, skip=int(self.a_steps)
            )
        batch = self.trainer.strategy.batch_to_device(next(self._arch_batches), self.device)
        # as Lightning treats the step's own batch (e.g. float64 under precision=64-true)
        return self.task.prepare(self.trainer.precision_plugin.convert_input(batch))

    def progress(self, batch_idx: int) -> float:
        """Fraction of the search done, 0 at the first batch → 1 at the last."""
        per_epoch = self.trainer.num_training_batches
        total = max(1, self.search_epochs() * per_epoch - 1)
        return min(1.0, (self.current_epoch * per_epoch + batch_idx) / total)

    # -- epoch bookkeeping -----------------------------------------------------------------
    def on_fit_start(self) -> None:
        self.net.set_alive(self.arch.alive())  # pruning state may come from a checkpoint

    def on_train_start(self) -> None:  # a mid-epoch resume skips on_train_epoch_start
        self.set_epoch()

    def set_epoch(self) -> None:
        """The method's and the regularizer's per-epoch state (τ, ε, λ, drop-path p)."""
        self.method.set_epoch(self.search_epoch(), self.search_epochs())
        self.regularizer.set_epoch(self.search_epoch(), self.search_epochs())

    def search_epochs(self) -> int:
        """The supernet's epochs (`trainer.max_epochs` of the config); the selection's follow."""
        return max(1, self.trainer.max_epochs - self.selection.epochs())

    def search_epoch(self) -> int:
        """The epoch as the method and α's pacing see it: the selection's epochs go on as the
        supernet's last (SDARTS's ε, GDAS's τ, a warm-up stay where they ended)."""
        return min(self.current_epoch, self.search_epochs() - 1)

    def selecting(self) -> bool:
        """In the selection's epochs: the learning rates are the selection's, unscheduled."""
        return self.current_epoch >= self.search_epochs()

    def selection_context(self) -> SelectionContext:
        return SelectionContext(self.probe, self.genotype, self.optimizers()[0].optimizer)

    def genotype(self, weights: dict[str, torch.Tensor] | None = None) -> GenotypeBase:
        """Π_S of the current α (or of the given activated weights): the derived architecture,
        in the search space's own genotype type."""
        if weights is None:
            weights = {k: w.detach() for k, w in self.arch.weights().items()}
        return self.net.discretize(self.arch.pinned(weights), self.arch.selectable())

    def on_train_end(self) -> None:
        self.arch_max_diff = self.arch_disagreement()

    def on_train_epoch_start(self) -> None:
        self.task.reset()  # DARTS RNN: zero hidden states at each epoch
        self._epoch_start_steps = (int(self.w_steps), int(self.a_steps))
        self.set_epoch()
        selection_epoch = self.current_epoch - self.search_epochs()  # < 0: the supernet's
        self.selection.epoch_start(self.selection_context(), selection_epoch)

    def w_lr_scheduler(self) -> LRScheduler:
        schedulers = self.lr_schedulers()
        return schedulers[0] if isinstance(schedulers, list) else schedulers

    def on_train_epoch_end(self) -> None:
        schedulers = self.lr_schedulers()
        schedulers = schedulers if isinstance(schedulers, list) else [schedulers]
        if self.w_optimizer.per_step:  # the w-schedule has stepped with each w-step
            schedulers = schedulers[1:]
        for scheduler in [] if self.selecting() else schedulers:  # the selection's own rates
            scheduler.step()
        w0, a0 = self._epoch_start_steps
        self.log_dict(
            {
                "steps/w": self.w_steps.float(),
                "steps/arch": self.a_steps.float(),
                "steps/w_epoch": float(int(self.w_steps) - w0),
                "steps/arch_epoch": float(int(self.a_steps) - a0),
                "arch/pruned": float(self.arch.num_pruned()),
                **self.method.metrics(),
                **self.regularizer.epoch_metrics(self.arch),
                **self.selection.metrics(),
            }
        )
        weights = {k: w.cpu() for k, w in self.arch.op_weights().items()}
        self.log("arch/entropy", mean_entropy(weights))  # GAEA Fig. 1
        self.alpha_history.append(weights)
        table, ends = self.net.op_table(), self.net.edges()  # each edge's own op names
        self.log_dict(
            {
                f"alpha/{cell}/{a}-{b}/{op}": w[e, o]
                for cell, w in weights.items()
                for e, (a, b) in enumerate(ends)
                for o, op in enumerate(table[cell][e])
            }
        )

    def on_validation_epoch_start(self) -> None:
        self.task.reset()

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        output, target = self.task(
            self.net, self.task.prepare(batch), *self.method.validation_mixing(self.arch)
        )  # GDAS: the argmax ops
        self.val_metric(*self.task.metric_inputs(output, target))
        name = self.task.metric_name
        loss, size = self.task.loss(output, target), self.task.batch_size(batch)
        self.log("val/loss", loss, on_epoch=True, prog_bar=True, batch_size=size)
        self.log(f"val/{name}", self.val_metric, on_epoch=True, prog_bar=True)
