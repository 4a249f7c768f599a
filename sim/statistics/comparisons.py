"""Comparing two runs outcome by outcome: is B different from A, or is it noise?

For every numeric or true/false outcome the difference B - A gets a confidence
interval and a two-sample test, beside each run's own estimate and n. When the runs
share their seed, replication r of A and of B drew the same random streams (common
random numbers), so an outcome defined in every replication is compared paired: the
interval is that of the mean paired difference, and the test is the Wilcoxon
signed-rank test (numbers) or McNemar's exact test (true/false). Otherwise, and always
for conditional outcomes, the interval is Welch's, and the tests are
Kolmogorov-Smirnov (numbers) and Fisher's exact test (true/false). P-values are
adjusted for testing many outcomes at once with the Benjamini-Hochberg procedure; an
outcome differs when its adjusted p-value is below ``alpha``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from sim.model.catalogue import OUTCOME, fields, outcome_schema
from sim.optional import require
from sim.scenario.spec import Scenario
from sim.statistics.estimators import mean
from sim.statistics.summaries import given_values, probability_label

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Comparison:
    """B against A, one row per outcome (see ``compare``)."""

    a: str
    b: str
    rows: list[dict[str, Any]]
    alpha: float
    changes: list[tuple[str, Any, Any]]  # the scenario values B changes: (path, A's, B's)

    @property
    def paired(self) -> bool:
        """Whether the runs were compared replication by replication (shared seed)."""
        return any(row["paired"] for row in self.rows)

    def to_pandas(self) -> pd.DataFrame:
        pandas = require("pandas", "to_pandas", "a comparison", "a DataFrame")
        return pandas.DataFrame(self.rows)


@dataclass(frozen=True)
class Side:
    """One run to compare: its scenario, seed and outcome columns."""

    label: str
    scenario: Scenario
    seed: int
    columns: Mapping[str, Sequence[Any]]


def _welch(a: np.ndarray, b: np.ndarray, confidence: float) -> tuple[float, float, float]:
    difference = float(b.mean() - a.mean())
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return difference, difference, difference
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    return difference, difference - half, difference + half


def _paired_test(a: np.ndarray, b: np.ndarray, kind: type) -> tuple[float, str]:
    if kind is bool:
        only_b = int(np.sum(~a.astype(bool) & b.astype(bool)))
        only_a = int(np.sum(a.astype(bool) & ~b.astype(bool)))
        if only_a + only_b == 0:
            return 1.0, "McNemar exact"
        return float(stats.binomtest(only_b, only_a + only_b, 0.5).pvalue), "McNemar exact"
    differences = b - a
    if not np.any(differences):
        return 1.0, "Wilcoxon signed-rank"
    return float(stats.wilcoxon(differences, zero_method="zsplit").pvalue), "Wilcoxon signed-rank"


def _unpaired_test(a: np.ndarray, b: np.ndarray, kind: type) -> tuple[float, str]:
    if kind is bool:
        table = [[int(a.sum()), len(a) - int(a.sum())], [int(b.sum()), len(b) - int(b.sum())]]
        return float(stats.fisher_exact(table).pvalue), "Fisher exact"
    if np.ptp(np.concatenate([a, b])) == 0:
        return 1.0, "Kolmogorov-Smirnov"
    return float(stats.ks_2samp(a, b).pvalue), "Kolmogorov-Smirnov"


def compare(
    a: Side, b: Side, confidence: float = 0.95, alpha: float = 0.05
) -> list[dict[str, Any]]:
    """One row per outcome the two runs share, in outcome order, with each run's own
    estimate and its n.

    Pairing by replication is valid only when both runs share their seed and the
    outcome is defined in every replication: a conditional outcome (a collapse day, a
    restoration among collapses) is defined in different replications in A and B, so
    pairing them would compare different subsets; it is compared unpaired, and the row
    says so (``pairs`` is the number of pairs, or None)."""
    schema_b = outcome_schema(b.scenario)
    shared = [  # outcomes of the model, not bookkeeping (the replication, the event count)
        f
        for f in fields(a.scenario)
        if f.name in schema_b and f.numeric and f.role == OUTCOME and f.applies(a.scenario)
    ]
    index_a = {r: i for i, r in enumerate(a.columns["replication"])}
    index_b = {r: i for i, r in enumerate(b.columns["replication"])}
    common = sorted(index_a.keys() & index_b.keys())
    same_seed = a.seed == b.seed and len(common) > 1
    rows = []
    for field in shared:
        own_a = np.array(given_values(field, a.columns, a.scenario), dtype=float)
        own_b = np.array(given_values(field, b.columns, b.scenario), dtype=float)
        if len(own_a) < 2 or len(own_b) < 2:
            continue
        paired = same_seed and not field.conditional and field.given is None
        if paired:
            column_a, column_b = a.columns[field.name], b.columns[field.name]
            xa = np.array([column_a[index_a[r]] for r in common], dtype=float)
            xb = np.array([column_b[index_b[r]] for r in common], dtype=float)
            found = mean(list(xb - xa), confidence)
            difference, low, high = found.value, found.low, found.high
            p_value, test = _paired_test(xa, xb, field.kind)
        else:
            difference, low, high = _welch(own_a, own_b, confidence)
            p_value, test = _unpaired_test(own_a, own_b, field.kind)
        rows.append(
            {
                "metric": field.name,
                "label": probability_label(field, a.scenario)
                if field.kind is bool
                else field.text(a.scenario),
                "unit": field.unit,
                "a": float(own_a.mean()),
                "b": float(own_b.mean()),
                "n_a": len(own_a),
                "n_b": len(own_b),
                "difference": difference,
                "low": low,
                "high": high,
                "p_value": p_value,
                "paired": paired,
                "pairs": len(common) if paired else None,
                "test": test,
                "when": field.when if not paired else None,
            }
        )
    if rows:
        adjusted = stats.false_discovery_control([r["p_value"] for r in rows], method="bh")
        for row, p in zip(rows, adjusted, strict=True):
            row["p_adjusted"] = float(p)
            row["differs"] = bool(p < alpha)
    return rows
