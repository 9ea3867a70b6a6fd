"""Summary statistics over seeds, shared by the report and the oracles' aggregations."""

from __future__ import annotations

import statistics


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample std over seeds (std 0 for a single seed)."""
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def mean_std_text(values: list[float], digits: int = 2) -> str:
    """'mean ± std', or '—' for no values."""
    if not values:
        return "—"
    mean, std = mean_std(values)
    return f"{mean:.{digits}f} ± {std:.{digits}f}"
