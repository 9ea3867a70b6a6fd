"""Entry point: `python -m darts_lab.search [+experiment=NAME] [key=value ...]`.

Composes the config, builds datamodule, supernet, architecture, optimizers, schedule and
regularizer, runs the Lightning search, then discretizes (Π_S) and writes the run's files.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import NamedTuple

os.environ.setdefault("WANDB_MODE", "offline")  # never needs an account unless asked to

import hydra  # noqa: E402
import lightning as L  # noqa: E402
import torch  # noqa: E402
from hydra.core.hydra_config import HydraConfig  # noqa: E402
from hydra.errors import InstantiationException  # noqa: E402
from hydra.utils import get_class, instantiate  # noqa: E402
from lightning.pytorch.callbacks import OnExceptionCheckpoint  # noqa: E402
from omegaconf import DictConfig  # noqa: E402

from darts_lab import perf  # noqa: E402
from darts_lab.arch.activation import Activation  # noqa: E402
from darts_lab.arch.architecture import Architecture  # noqa: E402
from darts_lab.arch_optimizer import OptimizerFactory  # noqa: E402
from darts_lab.callbacks.base import SearchCallback, instantiate_callbacks  # noqa: E402
from darts_lab.combination import check_combination, option  # noqa: E402
from darts_lab.config import ConfigError, validate  # noqa: E402
from darts_lab.config_path import conf_dir  # noqa: E402
from darts_lab.console import quiet_libraries  # noqa: E402
from darts_lab.data.base import SearchDataModule  # noqa: E402
from darts_lab.data.errors import DataError, readable  # noqa: E402
from darts_lab.export.artifacts import read_genotype, write_json, write_status  # noqa: E402
from darts_lab.export.run import export_run  # noqa: E402
from darts_lab.lit.exit_codes import exit_codes  # noqa: E402
from darts_lab.lit.fingerprint import fingerprint, run_record  # noqa: E402
from darts_lab.lit.lifecycle import claim, holding, make_trainer, status  # noqa: E402
from darts_lab.lit.preemption import (  # noqa: E402
    finished_earlier,
    resume_point,
    set_aside_unresumable,
    watch_preemption,
)
from darts_lab.lit.search_module import SearchModule  # noqa: E402
from darts_lab.lit.settings import Acceleration, ArchPacing  # noqa: E402
from darts_lab.loggers import close_loggers, log_facts, make_loggers  # noqa: E402
from darts_lab.run_name import run_labels  # noqa: E402
from darts_lab.search_space.base import GenotypeBase, SearchSpace  # noqa: E402
from darts_lab.then_train import (  # noqa: E402
    check_then_train,
    retraining_requeued,
    retraining_unfinished,
    train_after_search,
)
from darts_lab.threads import set_threads  # noqa: E402

log = logging.getLogger("darts_lab.search")  # one name whether run as a module or imported


def build_space(cfg: DictConfig, activation: Activation, data: SearchDataModule) -> SearchSpace:
    """The supernet, with what the activation needs of it (CRB: no "none", node BatchNorm)."""
    extra = dict(activation.space_options)
    if activation.excluded_ops:
        extra["ops"] = [op for op in cfg.search_space.ops if op not in activation.excluded_ops]
    return instantiate(cfg.search_space, **data.space_sizes(), **extra)


def build_arch_optimizer(cfg: DictConfig, activation: Activation) -> OptimizerFactory:
    """The architecture optimizer's factory, built once now so bad options fail before training."""
    extra = {k: v for k, v in activation.optimizer_options.items() if k in cfg.arch_optimizer}
    factory = instantiate(cfg.arch_optimizer, **extra)
    factory([torch.nn.Parameter(torch.full((1, 2), 0.5))])  # validates its options
    return factory


class Search(NamedTuple):
    module: SearchModule
    datamodule: SearchDataModule
    trainer: L.Trainer
    callbacks: list[SearchCallback]  # conf/callbacks/ and the oracle
    record: dict  # run.json: the run's identity, written once when the run starts


def build(cfg: DictConfig, run_dir: Path) -> Search:
    """Everything a search needs, from the config. Raises ConfigError/DataError on bad input;
    anything else is a bug and keeps its traceback."""
    validate(cfg)
    set_threads(cfg.perf.get("threads"))
    perf.configure_backends(cfg.perf.get("deterministic", False))  # logs itself on CUDA
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    try:
        activation = instantiate(cfg.activation)
        space_class = get_class(cfg.search_space._target_)
        check_combination(cfg, space_class, activation)
        schedule = instantiate(cfg.schedule)
        method = instantiate(cfg.method)
        datamodule = instantiate(
            cfg.dataset,
            data_dir=cfg.data_dir,
            split_seed=cfg.seed,
            single_level=method.single_level,
            schedule_ratio=schedule.expected_ratio,  # a random split's share: r/(r+1)
        )
        with readable(option(cfg, "dataset")):
            datamodule.check()
            datamodule.setup()  # read the data now: a corrupt file fails before anything is written
        net = build_space(cfg, activation, datamodule)
        method.check(net, activation, recompute_edges=cfg.perf.recompute_edges)
        arch_gradient = instantiate(cfg.arch_gradient)
        arch_gradient.check(cfg.perf.recompute_edges)
        arch = Architecture(
            net.arch_shapes(),
            activation,
            cfg.arch_init_scale,
            net.selectable(),
            net.project,
            op_keys=net.cell_types,
        )
        module = SearchModule(
            net,
            arch,
            build_arch_optimizer(cfg, activation),
            schedule,
            instantiate(cfg.regularizer),
            instantiate(cfg.task, **datamodule.task_sizes()),
            method,
            instantiate(cfg.w_optimizer),
            ArchPacing(cfg.arch_warmup_epochs, cfg.arch_grad_clip, cfg.arch_lr_anneal),
            Acceleration(
                perf.channels_last(cfg.perf.channels_last, getattr(datamodule, "image_size", None)),
                cfg.perf.compile_backend if cfg.perf.compile else None,
                cfg.perf.recompute_edges,
            ),
            instantiate(cfg.selection),  # conf/selection/: its epochs follow the supernet's
            arch_gradient,
        )
        search_callbacks = instantiate_callbacks(cfg)  # conf/callbacks/ and the oracle
        for callback in search_callbacks:
            callback.check(net)
        identity = fingerprint(cfg, list(net.ops), run_labels(cfg)[0])
        claim(cfg, run_dir, identity)  # refuses another process's or another run's directory
        if cfg.get("then_train"):  # a typo in the retraining must not cost the whole search
            check_then_train(cfg, run_dir, space_class.genotype_type, option(cfg, "search_space"))
    except InstantiationException as e:  # Hydra wraps constructor errors
        if isinstance(e.__cause__, (ConfigError, DataError)):  # bad input: one line
            raise e.__cause__ from None
        raise  # anything else is a bug: keep its traceback
    record = run_record(run_dir, identity)
    loggers = make_loggers(cfg, run_dir, record["run_id"])  # nothing written until the run starts
    on_exception = OnExceptionCheckpoint(run_dir / "checkpoints")  # NaN stop, Ctrl-C, SIGTERM
    trainer = make_trainer(
        cfg,
        run_dir,
        identity,
        loggers,
        [on_exception, *search_callbacks],
        max_epochs=cfg.trainer.max_epochs + module.selection.epochs(),
        # single level (ERM) holds no data out of the search
        **({"limit_val_batches": 0} if method.single_level else {}),
        **datamodule.trainer_options(),
    )
    datamodule.device_batch(trainer.world_size)  # the global batch must divide: refuse now
    return Search(module, datamodule, trainer, search_callbacks, record)


def run_search(cfg: DictConfig, run_dir: Path) -> GenotypeBase | None:
    """One search in `run_dir`. Returns the genotype, or None if the run was interrupted."""
    run_dir.mkdir(parents=True, exist_ok=True)
    watch_preemption()  # in a submitit job: from now on, a signal means checkpoint, requeue
    if retraining_requeued(cfg, run_dir):  # the search had finished; its retraining had not
        log.info("requeued: the search in %s is finished; resuming its retraining", run_dir)
        train_after_search(cfg, run_dir)
        return read_genotype(run_dir / "genotype.json")
    search = build(cfg, run_dir)  # resume=auto: the fingerprint is checked
    if finished_earlier(cfg, run_dir, "genotype.json"):
        genotype = read_genotype(run_dir / "genotype.json")
        log.info("finished earlier: %s; nothing to do", genotype)
        if retraining_unfinished(cfg, run_dir):
            train_after_search(cfg, run_dir)
        return genotype
    stale = resume_point(cfg, run_dir) is None and any((run_dir / "checkpoints").glob("*.ckpt"))
    if stale and not set_aside_unresumable(cfg, run_dir):
        # Lightning would silently resume from them (ckpt_path=None means "last" here)
        raise ConfigError(
            f"{run_dir} already holds checkpoints of an earlier search: pass resume=auto "
            f"to finish it (a sweep: the same -m command plus resume=auto), or choose a new "
            f"directory"
        )
    with holding(cfg, run_dir, search.trainer, search.record):
        return _search(cfg, run_dir, search)


def _search(cfg: DictConfig, run_dir: Path, search: Search) -> GenotypeBase | None:
    module, datamodule, trainer, search_callbacks, _ = search
    ckpt_path = resume_point(cfg, run_dir)  # checked to be this search's by claim()
    log_facts(cfg, module, datamodule, trainer, run_dir)
    start = time.perf_counter()
    with status(run_dir):
        try:
            # checkpoints hold tensors and plain data only (lit/reliability.py): a received
            # one cannot run code on resume
            trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path, weights_only=True)
            seconds = time.perf_counter() - start
            if trainer.interrupted:
                write_status(run_dir, "interrupted", "stopped before the last epoch; no genotype")
                return None
            disagreement = module.arch_max_diff  # DDP: every rank must hold the same α
            if disagreement > 0:
                raise RuntimeError(f"α differs between DDP ranks by up to {disagreement:g}")
            if not trainer.is_global_zero:  # rank 0 writes the run's files
                return module.genotype()
            genotype = export_run(module, trainer, run_dir, search_callbacks, draw=cfg.figures)
        finally:
            close_loggers(trainer)
    write_status(run_dir, "finished")
    w_steps, a_steps = int(module.w_steps), int(module.a_steps)
    log.info(
        "done in %.0f s: %d w-steps, %d α-steps (%.2f w-steps per α-step)",
        seconds,
        w_steps,
        a_steps,
        w_steps / max(1, a_steps),
    )
    device = str(module.device) + (f" ({torch.cuda.get_device_name()})" if module.on_gpu else "")
    write_json(
        run_dir / "timing.json",
        {
            "search_seconds": seconds,
            "machine": perf.machine_id(),
            "device": device,
            "ranks": trainer.world_size,
            "batch_per_rank": datamodule.device_batch(trainer.world_size),
            "arch_max_diff_across_ranks": disagreement,
        },
    )
    if cfg.get("then_train"):
        train_after_search(cfg, run_dir)
    return genotype


@hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="search")
def main(cfg: DictConfig) -> None:
    quiet_libraries()
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    resume_hint = run_dir / "checkpoints" / "on_exception.ckpt"  # OnExceptionCheckpoint's
    with exit_codes(run_dir, (run_dir, run_dir / "train"), resume_hint):
        genotype = run_search(cfg, run_dir)
    if genotype is None:
        print(f"interrupted: no genotype; run dir {run_dir}")
        sys.exit(1)
    runs = sorted((run_dir / "wandb").glob("offline-run-*"))
    if runs:  # W&B's own console is silent (darts_lab.loggers)
        log.info("W&B run saved offline; upload it with: wandb sync %s", runs[-1])
    log.info("genotype: %s  run dir: %s", genotype, run_dir)


if __name__ == "__main__":
    main()
