"""What a user sees on the console: Lightning's and W&B's lines that carry no information for a
darts_lab run are switched off at their source; the run's own facts go through Python logging
(Hydra writes them to the run dir's <job>.log as well)."""

from __future__ import annotations

import logging
import warnings


def quiet_libraries() -> None:
    """Called by the entry points (the CLI), not on import."""
    # Lightning's rank-zero info lines ("GPU available: ...", "TPU available", a LitLogger tip,
    # "`Trainer.fit` stopped"): Lightning's documented switch is this logger's level. The run
    # logs its own device line instead.
    logging.getLogger("lightning.pytorch.utilities.rank_zero").setLevel(logging.WARNING)
    # With OnExceptionCheckpoint present, Lightning turns ckpt_path=None into "last" and warns,
    # then warns again that no "last" exists for a new run; Lightning has no ckpt_path that
    # means "start fresh". darts_lab handles both cases itself: a new search refuses a run dir
    # holding checkpoints, and resume= passes the checkpoint's path.
    warnings.filterwarnings("ignore", message=r"`\.fit\(ckpt_path=None\)` was called")
    warnings.filterwarnings("ignore", message=r'\.fit\(ckpt_path="last"\) is set, but there')
    # Lightning 2.6 calls a torch pytree API that torch deprecated (Lightning's to fix).
    warnings.filterwarnings("ignore", message=r"`isinstance\(treespec, LeafSpec\)` is deprecated")
    # A resumed run writes on into its own checkpoints/ (resume=DIR, a requeued job): expected.
    warnings.filterwarnings("ignore", message=r"Checkpoint directory .* exists and is not empty")
    # resume= from another run dir: the new run keeps its checkpoints in its own directory
    warnings.filterwarnings("ignore", message=r"The dirpath has changed from")
    # OnExceptionCheckpoint saves a full checkpoint without saying so; Lightning then logs that
    # it chose the full one, at every interruption.
    logging.getLogger("lightning.pytorch.trainer.connectors.checkpoint_connector").addFilter(
        lambda record: "`weights_only` was not set" not in record.getMessage()
    )
    # DDP: α and its statistics are identical on every rank (lit/reliability.py), so the
    # epoch-level logs need no sync_dist; Lightning would recommend it for each key.
    warnings.filterwarnings("ignore", message=r"It is recommended to use `self\.log\(")
    # Short epochs (tiny or embedded runs) have fewer batches than log_every_n_steps: the
    # epoch-level values are logged all the same, so Lightning's advice to lower it is noise.
    warnings.filterwarnings("ignore", message=r"The number of training batches \(\d+\) is smaller")
