"""Pictures with matplotlib (an optional extra): a run's outcome histogram, the
truce's Kaplan-Meier survival with its band, a sweep's metric against one parameter
with interval bands, a heat map for two parameters, and two runs overlaid."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.model.catalogue import outcome_schema
from sim.outputs.results_dir import ResultsDir
from sim.statistics.estimators import survival

FORMATS = (".png", ".svg", ".pdf")
SURVIVAL = "survival"


def _pyplot(path: str) -> Any:
    if Path(path).suffix.lower() not in FORMATS:
        raise InputError("-o", path, "expected a file name ending in .png, .svg or .pdf")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError("plot", path, "needs matplotlib: pip install -e '.[plot]'") from None
    return plt


def _label(results: ResultsDir, fallback: str) -> str:
    return f"{results.scenario().name} ({fallback})"


def plot_runs(runs: Sequence[tuple[str, ResultsDir]], metric: str, path: str) -> None:
    """One run, or two overlaid: the metric's histogram, or with ``survival`` the
    truce's Kaplan-Meier curve with its 95% band."""
    plt = _pyplot(path)
    figure, axes = plt.subplots(figsize=(7, 4.5))
    if metric == SURVIVAL:
        for name, results in runs:
            scenario = results.scenario()
            days = np.linspace(0, scenario.horizon, 200).tolist()
            days_with_collapse = results.columns(["collapse_day"])["collapse_day"]
            curve = survival(days_with_collapse, scenario.horizon, days)
            values = [e.value for _, e in curve]
            line = axes.step(days, values, where="post", label=_label(results, name))[0]
            axes.fill_between(
                days,
                [e.low for _, e in curve],
                [e.high for _, e in curve],
                step="post",
                alpha=0.2,
                color=line.get_color(),
            )
        axes.set_xlabel("day")
        axes.set_ylabel("P(truce still holds)")
        axes.set_ylim(0, 1.02)
        axes.set_title("Survival of the truce (Kaplan-Meier, 95% band)")
    else:
        series = []
        for name, results in runs:
            schema = outcome_schema(results.scenario())
            if metric not in schema or schema[metric] is str:
                raise InputError("--metric", metric, f"expected a numeric outcome or {SURVIVAL}")
            present = [v for v in results.columns([metric])[metric] if v is not None]
            series.append((name, results, np.asarray(present, dtype=float)))
        everything = np.concatenate([s[2] for s in series]) if series else np.array([0.0])
        whole = np.all(np.mod(everything, 1) == 0)
        if whole and np.ptp(everything) <= 60:
            bins = np.arange(everything.min() - 0.5, everything.max() + 1.5).tolist()
        else:
            bins = np.histogram_bin_edges(everything, bins=40).tolist()
        for name, results, sample in series:
            axes.hist(
                sample,
                bins=bins,
                alpha=0.55 if len(series) > 1 else 0.9,
                density=True,
                label=f"{_label(results, name)}, n={len(sample)}",
            )
        axes.set_xlabel(metric)
        axes.set_ylabel("share of replications")
        axes.set_title(f"Distribution of {metric}")
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def plot_sweep(rows: list[dict[str, Any]], factors: list[str], metric: str, path: str) -> None:
    """A sweep's metric against one parameter (line with interval band), or over two
    (a heat map for a grid, a coloured scatter for sampled designs)."""
    plt = _pyplot(path)
    chosen = [r for r in rows if r["metric"] == metric]
    if not chosen:
        raise InputError("--metric", metric, "is not in the sweep's summary")
    figure, axes = plt.subplots(figsize=(7, 4.5))
    if len(factors) == 1:
        (x,) = factors
        chosen.sort(key=lambda r: r[x])
        xs = [r[x] for r in chosen]
        axes.plot(xs, [r["estimate"] for r in chosen], marker="o")
        axes.fill_between(xs, [r["low"] for r in chosen], [r["high"] for r in chosen], alpha=0.25)
        axes.set_xlabel(x)
        axes.set_ylabel(metric)
        axes.set_title(f"{metric} across the sweep (interval band)")
    elif len(factors) == 2:
        x, y = factors
        xs, ys = sorted({r[x] for r in chosen}), sorted({r[y] for r in chosen})
        if len(xs) * len(ys) == len(chosen):  # a grid: a heat map
            grid = np.full((len(ys), len(xs)), np.nan)
            for r in chosen:
                grid[ys.index(r[y]), xs.index(r[x])] = r["estimate"]
            image = axes.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
            axes.set_xticks(range(len(xs)), [f"{v:.3g}" for v in xs])
            axes.set_yticks(range(len(ys)), [f"{v:.3g}" for v in ys])
        else:
            image = axes.scatter(
                [r[x] for r in chosen],
                [r[y] for r in chosen],
                c=[r["estimate"] for r in chosen],
                cmap="viridis",
                s=60,
            )
        figure.colorbar(image, ax=axes, label=metric)
        axes.set_xlabel(x)
        axes.set_ylabel(y)
        axes.set_title(f"{metric} across the sweep")
    else:
        raise InputError("DIR", "", "plots show sweeps of one or two parameters")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
