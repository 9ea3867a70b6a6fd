"""What a finished search leaves in its run directory: the final cell (genotype.json: Π_S of the
final α, with what the selection fixed), alphas.json, a diagram per cell, the search figures,
the selection's own files (conf/selection/pt: genotype_magnitude.json, selection.json) and
whatever each plug-in callback contributes (its figures, its report file, its console line;
where the selection chose another cell than Π_S, the report file also reports on Π_S's cell
under "magnitude"); figures also go to W&B."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

import lightning as L

from darts_lab.arch.architecture import mean_entropy
from darts_lab.export.artifacts import alphas_json, write_genotype, write_json
from darts_lab.export.figures import search_figures
from darts_lab.export.plots import plot_cell
from darts_lab.search_space.base import GenotypeBase

log = logging.getLogger("darts_lab.search")


class Contributor(Protocol):
    """What a plug-in callback adds to the run directory (darts_lab/callbacks/base.py)."""

    report_file: str | None

    def figures(self, run_dir: Path) -> list[Path]: ...

    def report(self, genotype: GenotypeBase) -> dict: ...

    def summary(self, report: dict) -> str | None: ...


def export_run(
    module: L.LightningModule,
    trainer: L.Trainer,
    run_dir: Path,
    search_callbacks: list[Contributor],
    draw: bool = True,
) -> GenotypeBase:
    arch, net = module.arch, module.net
    weights = {k: w.detach().cpu() for k, w in arch.weights().items()}
    genotype = module.genotype(weights)
    op_weights = {k: weights[k] for k in arch.op_keys}
    write_json(
        run_dir / "alphas.json",
        alphas_json(op_weights, net.ops, net.edges(), mean_entropy(op_weights), net.op_table()),
    )
    cells = genotype.cells()
    write_genotype(run_dir, genotype)
    for name, data in module.selection.files().items():
        write_json(run_dir / name, data)
    pngs: list[Path] = []
    figures: list[Path] = []
    if draw:  # figures=false: no PNGs (alphas.json and the logger's metrics keep what they show)
        pngs = [
            plot_cell(genes, concat, run_dir / f"{cell}_cell.png", f"{cell} cell", inputs)
            for cell, (genes, concat, inputs) in cells.items()
        ]
        history = module.alpha_history, module.schedule_history
        figures = search_figures(*history, net.ops, net.edges(), run_dir, net.op_table())
        figures += [path for callback in search_callbacks for path in callback.figures(run_dir)]
    for logger in trainer.loggers:
        if hasattr(logger, "log_image"):  # W&B: cell diagrams, search figures, genotype text
            if pngs:
                logger.log_image("genotype/cells", [str(p) for p in pngs], caption=list(cells))
            for figure in figures:
                logger.log_image(f"figures/{figure.stem}", [str(figure)])
            logger.log_text("genotype/text", columns=["genotype"], data=[[str(genotype)]])
    supernet = module.selection.supernet_genotype()
    for callback in search_callbacks:
        if callback.report_file:
            report = callback.report(genotype)
            if supernet is not None:  # Π_S's cell of the same supernet: the exact paired twin
                report["magnitude"] = callback.report(supernet)
            write_json(run_dir / callback.report_file, report)
            for line in (callback.summary(report) or "").splitlines():
                log.info(line)
    return genotype
