"""Retrain a derived architecture from scratch: `python -m darts_lab.train genotype=PATH`.

PATH is a genotype.json or a search run directory. Writes result.json (test accuracy and error,
parameters in M without the auxiliary head, wall time) and a status file to the run directory.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("WANDB_MODE", "offline")

import hydra  # noqa: E402
import lightning as L  # noqa: E402
from hydra.core.hydra_config import HydraConfig  # noqa: E402
from hydra.utils import instantiate  # noqa: E402
from omegaconf import DictConfig, OmegaConf  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from darts_lab.config import ConfigError  # noqa: E402
from darts_lab.console import quiet_libraries  # noqa: E402
from darts_lab.data.base import DataError  # noqa: E402
from darts_lab.eval.cutout import Cutout  # noqa: E402
from darts_lab.eval.network import EvalNetwork  # noqa: E402
from darts_lab.eval.train_module import TrainModule  # noqa: E402
from darts_lab.export.artifacts import read_genotype, write_json, write_status  # noqa: E402
from darts_lab.search_space.genotype import Genotype  # noqa: E402


def load_genotype(spec: str | None) -> Genotype:
    if not spec:
        raise ConfigError("genotype=... is required: a genotype.json or a search run directory")
    path = Path(spec).expanduser()
    path = path / "genotype.json" if path.is_dir() else path
    if not path.is_file():
        raise ConfigError(f"genotype={spec!r}: no genotype.json at {path}")
    try:
        genotype = read_genotype(path)
    except (ValueError, KeyError, TypeError) as e:  # JSONDecodeError is a ValueError
        raise ConfigError(f"genotype={spec!r}: {path} is not a genotype.json ({e!r})") from None
    if not genotype.retrainable:
        raise ConfigError(
            f"{path} holds a {type(genotype).__name__}, which darts_lab.train cannot build: its "
            f"accuracy comes from its benchmark (e.g. NAS-Bench-201: oracle=nb201)"
        )
    return genotype


def run_train(cfg: DictConfig, run_dir: Path) -> dict:
    run_dir.mkdir(parents=True, exist_ok=True)
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    genotype = load_genotype(cfg.get("genotype"))
    data = instantiate(
        cfg.dataset, data_dir=cfg.data_dir, train_fraction=0.5, split_seed=cfg.seed, split=False
    )  # no split: retraining uses the whole training set
    data.check()
    train_set, _ = data.search_sets()  # the whole training set, with its augmentation
    loader = {"batch_size": data.batch_size, "num_workers": data.num_workers}
    loader["pin_memory"] = data.pin_memory
    train = DataLoader(Cutout(train_set, cfg.cutout), shuffle=True, **loader)
    test = DataLoader(data.test_set(), shuffle=False, **loader)
    net = EvalNetwork(genotype, data.in_channels, data.num_classes, **cfg.model)
    module = TrainModule(net, **cfg.optimizer)
    loggers = [instantiate(cfg.logger, save_dir=str(run_dir))] if cfg.get("logger") else []
    for logger in loggers:
        logger.log_hyperparams(OmegaConf.to_container(cfg, resolve=True))
    trainer = instantiate(
        cfg.trainer,
        default_root_dir=str(run_dir),
        logger=loggers or False,
        gradient_clip_val=cfg.grad_clip,
        limit_val_batches=0,
    )
    write_status(run_dir, "running")
    start = time.perf_counter()
    try:
        trainer.fit(module, train_dataloaders=train)
        seconds = time.perf_counter() - start
        accuracy = float(trainer.test(module, dataloaders=test, verbose=False)[0]["test/acc"])
    except BaseException as e:
        write_status(run_dir, "failed", f"{type(e).__name__}: {e}")
        raise
    result = {
        "genotype": str(genotype),
        "seed": int(cfg.seed),
        "epochs": int(trainer.current_epoch),
        "test_acc": accuracy,
        "test_error": 100.0 * (1.0 - accuracy),
        "params_m": net.num_params_m(),
        "train_seconds": seconds,
    }
    write_json(run_dir / "result.json", result)
    write_status(run_dir, "finished")
    return result


@hydra.main(version_base="1.3", config_path="../conf", config_name="train")
def main(cfg: DictConfig) -> None:
    quiet_libraries()
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        result = run_train(cfg, run_dir)
    except (ConfigError, DataError) as e:
        write_status(run_dir, "failed", str(e))
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    print(
        f"test error {result['test_error']:.2f}%  params {result['params_m']:.2f}M  "
        f"run dir: {run_dir}"
    )


if __name__ == "__main__":
    main()
