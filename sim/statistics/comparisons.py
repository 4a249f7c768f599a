"""Comparing two runs outcome by outcome: is B different from A, or is it noise?

For every numeric or true/false outcome the difference B - A gets a confidence
interval and a two-sample test. When the runs share their seed, replication r of A
and of B drew the same random streams (common random numbers), so the comparison is
paired: the interval is that of the mean paired difference, and the test is the
Wilcoxon signed-rank test (numbers) or McNemar's exact test (true/false). Otherwise
the interval is Welch's, and the tests are Kolmogorov-Smirnov (numbers) and Fisher's
exact test (true/false). P-values are adjusted for testing many outcomes at once with
the Benjamini-Hochberg procedure; an outcome differs when its adjusted p-value is
below ``alpha``.
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

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Comparison:
    """B against A, one row per outcome (see ``compare``)."""

    a: str
    b: str
    rows: list[dict[str, Any]]
    alpha: float

    @property
    def paired(self) -> bool:
        return bool(self.rows) and bool(self.rows[0]["paired"])

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
    """One row per outcome the two runs share, in outcome order."""
    schema_a, schema_b = outcome_schema(a.scenario), outcome_schema(b.scenario)
    shared = [  # outcomes of the model, not bookkeeping (the replication, the event count)
        f.name for f in fields(a.scenario) if f.name in schema_b and f.numeric and f.role == OUTCOME
    ]
    index_a = {r: i for i, r in enumerate(a.columns["replication"])}
    index_b = {r: i for i, r in enumerate(b.columns["replication"])}
    common = sorted(index_a.keys() & index_b.keys())
    paired = a.seed == b.seed and len(common) > 1
    rows = []
    for field in shared:
        kind = schema_a[field]
        column_a, column_b = a.columns[field], b.columns[field]
        if paired:
            pairs = [
                (column_a[index_a[r]], column_b[index_b[r]])
                for r in common
                if column_a[index_a[r]] is not None and column_b[index_b[r]] is not None
            ]
            xa = np.array([p[0] for p in pairs], dtype=float)
            xb = np.array([p[1] for p in pairs], dtype=float)
        else:
            xa = np.array([v for v in column_a if v is not None], dtype=float)
            xb = np.array([v for v in column_b if v is not None], dtype=float)
        if len(xa) < 2 or len(xb) < 2:
            continue
        if paired:
            found = mean(list(xb - xa), confidence)
            difference, low, high = found.value, found.low, found.high
            p_value, test = _paired_test(xa, xb, kind)
        else:
            difference, low, high = _welch(xa, xb, confidence)
            p_value, test = _unpaired_test(xa, xb, kind)
        rows.append(
            {
                "metric": field,
                "a": float(xa.mean()),
                "b": float(xb.mean()),
                "difference": difference,
                "low": low,
                "high": high,
                "p_value": p_value,
                "paired": paired,
                "test": test,
                "n_a": len(xa),
                "n_b": len(xb),
            }
        )
    if rows:
        adjusted = stats.false_discovery_control([r["p_value"] for r in rows], method="bh")
        for row, p in zip(rows, adjusted, strict=True):
            row["p_adjusted"] = float(p)
            row["differs"] = bool(p < alpha)
    return rows
