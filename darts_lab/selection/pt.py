"""Perturbation-based selection (DARTS-PT: Wang et al., ICLR 2021, "Rethinking Architecture
Selection in Differentiable NAS"; their code: ruocwang/darts-pt, `nasbench201/projection.py`,
`sota/cnn/projection.py`).

After the supernet's training, edges are fixed one at a time, in a random order (plan.py): on
the chosen edge each candidate op is taken away in turn (its weight set to 0, the others left
as they are) and the supernet is scored on the α data; the op whose removal hurts most (lowest
accuracy, or highest loss) is kept, and the edge mixes with its one-hot from then on. Between
two decisions the search goes on for `proj_intv` epochs (the w-step at `lr_factor` × the
w-optimizer's initial learning rate, its momentum reset when the selection starts, held
constant; α keeps its own steps, as DARTS-PT's). On the DARTS CNN cell a second pass then picks
each node's 2 inputs the same way: drop each input in turn, keep the 2 whose removal hurts most.
One decision per cell type per event (normal and reduction together).

What is fixed is held by the architecture's pins, so the oracle scores the cell as it stands
every epoch; the decisions, the plan's progress and Π_S of α at the end of the supernet's
training (genotype_magnitude.json) travel in the checkpoint.
"""

from __future__ import annotations

import math
from contextlib import ExitStack
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import torch

from darts_lab.arch.pins import pin_forwards
from darts_lab.config import check, check_choice
from darts_lab.search_space.base import genotype_from_json
from darts_lab.selection.base import Score, Selection, SelectionContext
from darts_lab.selection.plan import ORDERS, Decision, decision_plan, due_epoch

if TYPE_CHECKING:
    from darts_lab.arch.architecture import Architecture
    from darts_lab.search_space.base import GenotypeBase, SearchSpace

# the sort key of "taking this candidate away": smallest first is the one kept first
CRITERIA = {
    "accuracy": lambda s: s.accuracy,  # lowest accuracy without it
    "loss": lambda s: -s.loss,  # highest loss without it
}


class Pt(Selection):
    space_inputs = ("image",)

    def __init__(
        self,
        criterion: str = "accuracy",
        edge_order: str = "random",
        proj_intv: float = 5,
        lr_factor: float = 0.1,
        eval_batches: int | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__()
        check_choice("selection.criterion", criterion, tuple(CRITERIA))
        check_choice("selection.edge_order", edge_order, tuple(ORDERS))
        check(
            "selection.proj_intv",
            proj_intv,
            lambda v: 0 <= v < math.inf,
            "a number of epochs >= 0 (0: every decision at once)",
        )
        check("selection.lr_factor", lr_factor, lambda v: 0 < v < math.inf, "a number > 0")
        check(
            "selection.eval_batches",
            eval_batches,
            lambda v: v is None or (isinstance(v, int) and v > 0),
            "an integer > 0, or null (as many as the validation reads)",
        )
        self.criterion, self.edge_order, self.interval = criterion, edge_order, float(proj_intv)
        self.lr_factor, self.eval_batches, self.seed = float(lr_factor), eval_batches, seed
        self.register_buffer("decided", torch.zeros((), dtype=torch.long))  # events taken
        self.history: list[dict[str, Any]] = []  # every decision, with its candidates' scores
        self.supernet_cell: dict | None = None  # Π_S of α when the supernet's training ended
        self.plan: list[list[Decision]] = []

    def bind(self, net: SearchSpace, arch: Architecture) -> None:
        self.plan = decision_plan(net, self.edge_order, self.seed)
        self.ops, self.edges = list(net.ops), net.edges()
        object.__setattr__(self, "_arch", arch)  # a reference: it is checkpointed as `arch`
        pin_forwards(net, arch.pin())

    def epochs(self) -> int:
        return due_epoch(len(self.plan) - 1, self.interval) + 1

    def epoch_start(self, ctx: SelectionContext, epoch: int) -> None:
        if epoch == 0:
            self.start(ctx)
        while self.next_due() <= epoch:
            event = int(self.decided)
            for decision in self.plan[event]:
                self.history.append(self.decide(decision, ctx) | {"event": event})
            self.decided += 1

    def next_due(self) -> float:
        """The selection epoch whose start takes the next event (inf: none left)."""
        event = int(self.decided)
        return due_epoch(event, self.interval) if event < len(self.plan) else math.inf

    def start(self, ctx: SelectionContext) -> None:
        """The supernet is trained: keep its Π_S cell, then fine-tune at lr_factor × the
        initial learning rate from fresh momentum (DARTS-PT resets its w-optimizer)."""
        self.supernet_cell = ctx.genotype().to_json()
        for group in ctx.w_optimizer.param_groups:
            group["lr"] = self.lr_factor * group.get("initial_lr", group["lr"])
        ctx.w_optimizer.state.clear()

    def decide(self, decision: Decision, ctx: SelectionContext) -> dict[str, Any]:
        """Score the supernet without each candidate; hold what is kept."""
        arch = self._arch
        pins = arch.pin()
        with torch.no_grad():
            weights = arch.pinned({k: w.detach() for k, w in arch.weights().items()})
        trials = decision.trials(weights, arch.selectable(), self.ops)
        scores: dict[str, Score] = {}
        if len(trials) > decision.keep:  # a single candidate needs no scoring
            for trial in trials:
                with ExitStack() as stack:
                    for key, row, values in trial.holds:
                        stack.enter_context(pins.trial(key, row, values))
                    scores[trial.label] = ctx.score(self.eval_batches)
        rank = CRITERIA[self.criterion]
        order = sorted(
            range(len(trials)), key=lambda i: (rank(scores[trials[i].label]), i) if scores else i
        )
        kept = [trials[i].label for i in order[: decision.keep]]
        for key, row, values in decision.outcome(weights, kept, self.ops):
            pins.hold(key, row, values)
        return decision.describe(self.edges) | {
            "kept": kept,
            "scores": {label: asdict(score) for label, score in scores.items()},
        }

    def metrics(self) -> dict[str, float]:
        return {"selection/events": float(self.decided)}

    def files(self) -> dict[str, Any]:
        report = {
            "selection": "pt",
            "criterion": self.criterion,
            "proj_intv": self.interval,
            "events": len(self.plan),
            "decisions": self.history,
        }
        files = {"genotype_magnitude.json": self.supernet_cell, "selection.json": report}
        return {name: data for name, data in files.items() if data is not None}

    def supernet_genotype(self) -> GenotypeBase | None:
        return None if self.supernet_cell is None else genotype_from_json(self.supernet_cell)

    def get_extra_state(self) -> dict[str, Any]:
        return {"history": self.history, "supernet_cell": self.supernet_cell}

    def set_extra_state(self, state: dict[str, Any]) -> None:
        self.history = list(state.get("history", []))
        self.supernet_cell = state.get("supernet_cell")
