"""The interface of an oracle: a plug-in callback (darts_lab/callbacks/base.py) that knows the
true accuracy of one kind of architecture, looks up the current Π_S(α) every epoch (logging
`oracle/*`), reports on the final genotype (oracle.json, which names the oracle) and
aggregates its own runs for `darts_lab.report`. The oracle alone decides which search spaces it
knows (by their genotype type). Its name is its option's file name in conf/oracle/, read from
there, never typed a second time."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import lightning as L
from hydra.utils import get_class

from darts_lab.callbacks.base import SearchCallback, epoch_figure
from darts_lab.config import ConfigError
from darts_lab.config_path import conf_dir, group_targets, option_name
from darts_lab.export.tables import markdown_table
from darts_lab.search_space.base import GenotypeBase, SearchSpace

if TYPE_CHECKING:
    from darts_lab.baseline.base import TableView

Scores = dict[str, list[dict]]  # experiment → the oracle.json of each finished seed
CONF = conf_dir() / "oracle"
log = logging.getLogger("darts_lab.oracle")


def oracle_file(data_file: str | Path | None, what: str) -> Path:
    """The oracle's file, `oracle.data_file` (its old spelling `benchmark_file` was read for one
    release and is gone)."""
    if data_file is None:
        raise ConfigError(f"oracle.data_file: give the path of {what}")
    return Path(data_file).expanduser()


def oracle_options() -> dict[str, str]:
    """conf/oracle/: each option's name → the class it configures (`none` has none)."""
    return group_targets("oracle")


class Oracle(SearchCallback):
    name: ClassVar[str]  # its option in conf/oracle/ and its name in oracle.json
    genotype_type: ClassVar[type[GenotypeBase]]  # the architectures it knows
    report_file = "oracle.json"
    # where `python -m darts_lab.report DIR --publish` writes its regret rows (package data)
    results_file: ClassVar[Path | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if name := option_name(cls, "oracle"):
            cls.name = name

    @classmethod
    def available(cls) -> dict[str, type[Oracle]]:
        """Every oracle in conf/oracle/, by name."""
        return {name: get_class(target) for name, target in oracle_options().items()}

    @classmethod
    def knows(cls, space: type[SearchSpace]) -> bool:
        return getattr(space, "genotype_type", None) is cls.genotype_type

    @staticmethod
    def known_for(space: type[SearchSpace]) -> list[str]:
        """The names of the oracles that know this space's architectures."""
        return [name for name, oracle in Oracle.available().items() if oracle.knows(space)]

    @classmethod
    def check_space(cls, space: type[SearchSpace], option: str) -> None:
        """Before anything is loaded: refuse a space whose architectures this oracle lacks."""
        if not cls.knows(space):
            known = cls.known_for(space)
            raise ConfigError(
                f"oracle={cls.name} knows no architectures of {option} (its oracles: "
                f"{', '.join(f'oracle={n}' for n in known) or 'none'})"
            )

    @classmethod
    def damaged(cls, report: dict) -> str | None:
        """What is wrong with an oracle.json this oracle wrote, if anything."""
        return None

    @classmethod
    def aggregate(cls, scores: Scores, out_dir: Path) -> list[str]:
        """Markdown lines for darts_lab.report about the seeds this oracle scored."""
        return []


class RegretOracle(Oracle):
    """An oracle that scores Π_S(α) every epoch (`score`: test accuracy and regret, in
    fractions), logs it as `oracle/*`, keeps the curve in Lightning checkpoints (a resumed
    run's oracle.json and oracle.png cover the whole search), draws it (GAEA Fig. 2/4) and
    aggregates regret rows (plus the baselines its table allows) for the report."""

    title: ClassVar[str]  # of oracle.png

    def __init__(self) -> None:
        self.history: list[dict[str, float]] = []

    def score(self, genotype: GenotypeBase) -> dict[str, float]:
        raise NotImplementedError

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        score = self.score(module.genotype())
        self.history.append(score)
        module.log_dict({f"oracle/{key}": value for key, value in score.items()})

    def state_dict(self) -> dict:
        return {"history": self.history}

    def load_state_dict(self, state_dict: dict) -> None:
        self.history = list(state_dict.get("history", []))

    def figures(self, run_dir: Path) -> list[Path]:
        if not self.history:
            return []
        epochs = range(1, len(self.history) + 1)
        regret = [100 * h.get("regret", float("nan")) for h in self.history]
        path = epoch_figure(
            run_dir / "oracle.png",
            self.title,
            "regret of Π_S(α) (test acc. points)",
            lambda ax: ax.plot(epochs, regret, "o-"),
            ylim=(0, None),
        )
        return [path]

    @classmethod
    def damaged(cls, report: dict) -> str | None:
        if "arch" not in report and "regret" not in report:  # names nothing it scored
            return "no arch and no regret in it"
        if "regret" in report and "test_acc" not in report:  # a cell off the table has neither
            return "a regret without test_acc"
        return None

    @classmethod
    def table_view(cls, reports: list[dict]) -> TableView | None:
        """The table these reports were scored by, as black-box baselines query it
        (darts_lab/baseline/); None: no table (or the reports disagree on one)."""
        return None

    @classmethod
    def parameter_free(cls, report: dict) -> int | None:
        """How many parameter-free ops the reported cell keeps (None: not counted here)."""
        return None

    @classmethod
    def transfer(cls, report: dict) -> float | None:
        """The reported cell's accuracy (%) on another benchmark's task, if this oracle has one."""
        return None

    @classmethod
    def aggregate(cls, scores: Scores, out_dir: Path) -> list[str]:
        from darts_lab.baseline.report import Baselines, baseline_section, headline
        from darts_lab.export.artifacts import write_json
        from darts_lab.regret import (
            regret_rows,
            regret_summary,
            seed_chart,
            split_twins,
            timed_on_several_machines,
        )

        scored = {m: [r for r in runs if "regret" in r] for m, runs in scores.items()}
        view = cls.table_view([r for runs in scored.values() for r in runs])
        seeds = max((len(runs) for runs in scored.values()), default=0)
        baselines = Baselines(view, range(seeds)) if view is not None and seeds else None
        extra = headline(baselines) if baselines else {}
        rows = regret_rows({**scored, **extra}, cls.parameter_free, cls.transfer, list(extra))
        if not rows:
            return []
        seed_chart(rows, out_dir / "report.png")
        write_json(out_dir / f"{cls.name}_regret.json", regret_summary(cls.name, rows))
        header = f"oracle={cls.name}: true test accuracy of the final cell (report.png):"
        main, twins = split_twins(rows)
        lines = [header, "", *markdown_table(main)]
        if twins:
            note = ("Rows with a selection step against Π_S's cell of the same supernets (each of "
                    "their searches writes both cells):")  # fmt: skip
            lines += ["", note, "", *markdown_table(twins)]
        mixed = sorted(m for m, runs in scored.items() if timed_on_several_machines(runs))
        if mixed:  # run_cost pools one machine's seconds only
            lines += ["", f"No cost for {', '.join(mixed)}: their seeds were timed on more than "
                      "one machine (timing.json's `machine`)."]  # fmt: skip
        if baselines:
            section = baseline_section(scored, baselines, out_dir, cls.parameter_free, cls.transfer)
            lines += section
        return lines
