"""search_then_train (`then_train=PRESET`, `train_overrides=[...]`): after a search, retrain its
genotype with a darts_lab.train preset (conf/eval/, e.g. cifar10) into <run dir>/train, with the
search's seed and data_dir. The retraining config is composed and checked before the search
starts (`check_then_train`): a typo must cost seconds, not the whole search's GPU time."""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig

from darts_lab.config import ConfigError
from darts_lab.config_path import conf_dir
from darts_lab.lit.preemption import AUTO, requeued_checkpoint
from darts_lab.search_space.base import GenotypeBase
from darts_lab.train import check_train, run_train

CONF_DIR = str(conf_dir())


def eval_presets() -> list[str]:
    return sorted(p.stem for p in (Path(CONF_DIR) / "eval").glob("*.yaml"))


def train_config(cfg: DictConfig, run_dir: Path) -> DictConfig:
    """The retraining config for this run's genotype; an unknown preset, key or value in
    `then_train` / `train_overrides` is a one-line ConfigError (Hydra says which)."""
    overrides = [
        f"eval={cfg.then_train}",
        f"genotype={run_dir}",
        f"seed={cfg.seed}",
        f"data_dir={cfg.data_dir}",
        *([f"resume={AUTO}"] if cfg.get("resume") == AUTO else []),  # finish its retraining too
        *cfg.get("train_overrides", []),
    ]
    try:
        if GlobalHydra.instance().is_initialized():  # inside the CLI app
            return compose("train", overrides=overrides)
        with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
            return compose("train", overrides=overrides)
    except HydraException as e:
        first = str(e).strip().splitlines()[0]
        raise ConfigError(
            f"then_train={cfg.then_train} train_overrides={list(cfg.get('train_overrides', []))}"
            f": {first} (presets: {', '.join(eval_presets())})"
        ) from None


def check_then_train(
    cfg: DictConfig, run_dir: Path, genotype_type: type[GenotypeBase], space: str
) -> None:
    """Before the search: the retraining of a `genotype_type` (from `space`) composes, its
    values are allowed, it can build that type, and its data is there and readable."""
    check_train(train_config(cfg, run_dir), genotype_type, f"then_train={cfg.then_train}: {space}")


def train_after_search(cfg: DictConfig, run_dir: Path) -> dict:
    """Retrain this run's genotype into run_dir/train; returns result.json's contents."""
    return run_train(train_config(cfg, run_dir), run_dir / "train")


def retraining_requeued(cfg: DictConfig, run_dir: Path) -> bool:
    """A requeued job whose search had finished and whose retraining had not."""
    return bool(cfg.get("then_train")) and requeued_checkpoint(run_dir / "train") is not None


def retraining_unfinished(cfg: DictConfig, run_dir: Path) -> bool:
    """A `then_train` run whose retraining has no result yet."""
    return bool(cfg.get("then_train")) and not (run_dir / "train" / "result.json").is_file()
