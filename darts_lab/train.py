"""Retrain a derived architecture from scratch: `python -m darts_lab.train genotype=PATH`.

PATH is a genotype.json or a search run directory. Writes result.json (CNN: test accuracy and
error, parameters in M without the auxiliary head; RNN: validation and test perplexity,
parameters; wall time) and a status file to the run directory.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("WANDB_MODE", "offline")

import hydra  # noqa: E402
import lightning as L  # noqa: E402
from hydra.core.hydra_config import HydraConfig  # noqa: E402
from hydra.errors import InstantiationException  # noqa: E402
from hydra.utils import instantiate  # noqa: E402
from omegaconf import DictConfig  # noqa: E402

from darts_lab.config import ConfigError, validate  # noqa: E402
from darts_lab.config_path import conf_dir  # noqa: E402
from darts_lab.console import quiet_libraries  # noqa: E402
from darts_lab.data.base import SearchDataModule  # noqa: E402
from darts_lab.data.errors import DataError, readable  # noqa: E402
from darts_lab.export.artifacts import read_genotype, write_json, write_status  # noqa: E402
from darts_lab.lit.exit_codes import exit_codes  # noqa: E402
from darts_lab.lit.fingerprint import fingerprint, run_record  # noqa: E402
from darts_lab.lit.lifecycle import claim, holding, make_trainer, status  # noqa: E402
from darts_lab.lit.preemption import finished_earlier, watch_preemption  # noqa: E402
from darts_lab.perf import configure_backends  # noqa: E402
from darts_lab.search_space.base import GenotypeBase  # noqa: E402

log = logging.getLogger("darts_lab.train")
EVAL_DIR = conf_dir() / "eval"  # the retraining presets


def load_genotype(spec: str | None) -> GenotypeBase:
    if not spec:
        raise ConfigError("genotype=... is required: a genotype.json or a search run directory")
    path = Path(spec).expanduser()
    path = path / "genotype.json" if path.is_dir() else path
    if not path.is_file():
        raise ConfigError(f"genotype={spec!r}: no genotype.json at {path}")
    try:
        genotype = read_genotype(path)
    except (
        ValueError,
        KeyError,
        TypeError,
        IndexError,
        AttributeError,
    ) as e:  # JSONDecodeError too
        raise ConfigError(
            f"genotype={spec!r}: {path} is not a genotype.json ({type(e).__name__}: {e})"
        ) from None
    if problems := genotype.problems():  # before anything is built or trained
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ConfigError(f"genotype={spec!r}: {problems[0]}{more}")
    return genotype


def check_retrainable(genotype_type: type[GenotypeBase], where: str) -> None:
    if not genotype_type.retrainable:
        raise ConfigError(
            f"{where} holds a {genotype_type.__name__}, which darts_lab.train cannot build: its "
            f"accuracy comes from its benchmark (e.g. NAS-Bench-201: oracle=nb201)"
        )


def check_train(
    cfg: DictConfig, genotype_type: type[GenotypeBase], where: str
) -> tuple[Any, SearchDataModule]:
    """Everything about retraining a `genotype_type` (from `where`) that can be checked before
    it exists: values, preset, data. Raises ConfigError/DataError in one line; returns the
    retraining recipe and the data."""
    validate(cfg)
    check_retrainable(genotype_type, where)
    inputs = genotype_type.inputs
    try:
        retraining = instantiate(cfg.retraining)
        data = instantiate(
            cfg.dataset, data_dir=cfg.data_dir, split_seed=cfg.seed, single_level=True
        )  # no split: retraining uses the whole training set
    except InstantiationException as e:  # Hydra wraps constructor errors
        if isinstance(e.__cause__, (ConfigError, DataError)):
            raise e.__cause__ from None
        raise
    if retraining.inputs != inputs:
        raise ConfigError(
            f"{where} holds an architecture for {inputs}, but this retraining "
            f"preset trains one for {retraining.inputs}: choose another eval= (conf/eval/: "
            f"{', '.join(sorted(p.stem for p in EVAL_DIR.glob('*.yaml')))})"
        )
    with readable("the retraining's dataset"):
        data.check()
        data.setup()  # read the data now: a corrupt file fails before anything is written
    return retraining, data


def run_train(cfg: DictConfig, run_dir: Path) -> dict:
    """Retrain the genotype with the preset's `retraining` recipe (images: eval/classification.py,
    text: eval/language_model.py); writes result.json."""
    validate(cfg)  # the seed first: seed_everything refuses some values with a traceback
    run_dir.mkdir(parents=True, exist_ok=True)
    watch_preemption()  # in a submitit job: from now on, a signal means checkpoint, requeue
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    configure_backends((cfg.get("perf") or {}).get("deterministic", False))
    genotype = load_genotype(cfg.get("genotype"))
    retraining, data = check_train(cfg, type(genotype), f"genotype={cfg.genotype}")
    identity = fingerprint(cfg, [], f"retraining of {genotype}")
    ckpt_path = claim(cfg, run_dir, identity)  # resume=, resume=auto, a requeued job's
    if finished_earlier(cfg, run_dir, "result.json"):
        result = json.loads((run_dir / "result.json").read_text())
        log.info("finished earlier: %s; nothing to do", result.get("genotype", genotype))
        return result
    record = run_record(run_dir, identity)
    # nothing is written until the run holds its directory (log_hyperparams starts a logger)
    loggers = [instantiate(cfg.logger, save_dir=str(run_dir))] if cfg.get("logger") else []
    trainer = make_trainer(
        cfg, run_dir, identity, loggers, [], **retraining.trainer_options(cfg, data)
    )
    with holding(cfg, run_dir, trainer, record):
        return _train(cfg, run_dir, genotype, retraining, data, trainer, ckpt_path)


def _train(
    cfg: DictConfig,
    run_dir: Path,
    genotype: GenotypeBase,
    retraining: Any,
    data: Any,
    trainer: L.Trainer,
    ckpt_path: str | None,
) -> dict:
    start = time.perf_counter()
    with status(run_dir):
        retraining.fit(cfg, genotype, data, trainer, ckpt_path)
        seconds = time.perf_counter() - start  # training only, not the test pass
        scores = retraining.score(data, trainer)
    result = {
        "genotype": str(genotype),
        "seed": int(cfg.seed),
        "epochs": int(trainer.current_epoch),
        **scores,
        "train_seconds": seconds,
    }
    write_json(run_dir / "result.json", result)
    write_status(run_dir, "finished")
    return result


@hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="train")
def main(cfg: DictConfig) -> None:
    quiet_libraries()
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    with exit_codes(run_dir, (run_dir,)):
        result = run_train(cfg, run_dir)
    score = (
        f"test perplexity {result['test_ppl']:.2f}"
        if "test_ppl" in result
        else f"test error {result['test_error']:.2f}%"
    )
    print(f"{score}  params {result['params_m']:.2f}M  run dir: {run_dir}")


if __name__ == "__main__":
    main()
