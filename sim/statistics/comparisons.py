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

from sim.model.catalogue import OUTCOME, fields, outcome_schema
from sim.optional import require
from sim.scenario.spec import Scenario
from sim.statistics.estimators import mean
from sim.statistics.summaries import probability_label

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
    zero: list[str]  # outcomes zero in every replication of both runs, left out
    held: tuple[int, int]  # replications A and B hold
    compared: tuple[int, int]  # replications compared: those both hold, under one seed
    divergence: Divergence | None = None  # from which day a daily series differs

    @property
    def paired(self) -> bool:
        """Whether the runs were compared replication by replication (shared seed)."""
        return any(row["paired"] for row in self.rows)

    def as_data(self) -> dict[str, Any]:
        """The comparison as JSON-ready data."""
        return {
            "a": self.a,
            "b": self.b,
            "changes": [{"path": p, "a": va, "b": vb} for p, va, vb in self.changes],
            "held": list(self.held),
            "compared": list(self.compared),
            "alpha": self.alpha,
            "zero_in_both": self.zero,
            "rows": self.rows,
            "divergence": self.divergence.as_data() if self.divergence else None,
        }

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
    from scipy import stats

    difference = float(b.mean() - a.mean())
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return difference, difference, difference
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    return difference, difference - half, difference + half


def _paired_test(a: np.ndarray, b: np.ndarray, kind: type) -> tuple[float, str]:
    """The test that matches the interval of the mean paired difference: a paired t
    test for numbers (most differences are exactly zero under a shared seed, which a
    rank test dilutes); McNemar's exact test on the discordant pairs for true/false."""
    from scipy import stats

    if kind is bool:
        only_b = int(np.sum(~a.astype(bool) & b.astype(bool)))
        only_a = int(np.sum(a.astype(bool) & ~b.astype(bool)))
        if only_a + only_b == 0:
            return 1.0, "McNemar exact"
        return float(stats.binomtest(only_b, only_a + only_b, 0.5).pvalue), "McNemar exact"
    differences = b - a
    if not np.any(differences):
        return 1.0, "paired t"
    if np.ptp(differences) == 0:  # every pair differs by the same amount
        return 0.0, "paired t"
    return float(stats.ttest_rel(b, a).pvalue), "paired t"


def _unpaired_test(a: np.ndarray, b: np.ndarray, kind: type) -> tuple[float, str]:
    """Fisher's exact test for true/false; Welch's t test for numbers (matching its
    interval)."""
    from scipy import stats

    if kind is bool:
        table = [[int(a.sum()), len(a) - int(a.sum())], [int(b.sum()), len(b) - int(b.sum())]]
        return float(stats.fisher_exact(table).pvalue), "Fisher exact"
    if a.var() == 0 and b.var() == 0:
        return (1.0 if a.mean() == b.mean() else 0.0), "Welch t"
    return float(stats.ttest_ind(b, a, equal_var=False).pvalue), "Welch t"


def _defined(
    field: Any, side: Side, replications: list[int], index: dict[int, int]
) -> dict[int, float]:
    """The field's values in the given replications, where it is defined (and, for a
    conditional true/false field, where its condition holds)."""
    values = side.columns[field.name]
    condition = side.columns[field.given] if field.given else None
    found = {}
    for r in replications:
        i = index[r]
        if values[i] is not None and (condition is None or condition[i]):
            found[r] = float(values[i])
    return found


def compare(
    a: Side, b: Side, confidence: float = 0.95, alpha: float = 0.05
) -> list[dict[str, Any]]:
    """One row per outcome the two runs share, in outcome order, with each run's own
    estimate and its n.

    When the runs share their seed, only the replications both hold are compared (a
    replication is the same draw in both), and an outcome defined in the same
    replications of both is compared paired. A conditional outcome defined in
    different replications (a collapse day, a restoration among collapses) would pair
    different subsets, so it is compared unpaired, and the row says so (``pairs`` is
    None). Outcomes zero in every replication of both runs are left out (they are
    listed by ``zero_in_both``)."""
    from scipy import stats

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
    kept_a = common if same_seed else sorted(index_a)
    kept_b = common if same_seed else sorted(index_b)
    rows = []
    for field in shared:
        in_a = _defined(field, a, kept_a, index_a)
        in_b = _defined(field, b, kept_b, index_b)
        own_a = np.array(list(in_a.values()), dtype=float)
        own_b = np.array(list(in_b.values()), dtype=float)
        if len(own_a) < 2 or len(own_b) < 2 or not (own_a.any() or own_b.any()):
            continue
        paired = same_seed and in_a.keys() == in_b.keys()
        if paired:
            found = mean(list(own_b - own_a), confidence)
            difference, low, high = found.value, found.low, found.high
            p_value, test = _paired_test(own_a, own_b, field.kind)
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
                "pairs": len(own_a) if paired else None,
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


@dataclass(frozen=True)
class Divergence:
    """A daily series of A and B compared day by day: each day's difference in means
    B - A with its interval and p-value (paired t under a shared seed, Welch's t
    otherwise; intervals per day, not adjusted), the p-values adjusted over the days
    (Benjamini-Hochberg), the first day the series differ beyond noise (None if no day
    does), how many days differ, and whether every day from the first to the horizon
    does. A day is compared over the replications with a value that day (``n``: A's
    and B's; the strain has none once the truce has collapsed, so it is compared among
    the truces still standing, ``conditional``)."""

    series: str
    label: str
    paired: bool
    first_day: int | None
    differing: int
    to_the_end: bool
    conditional: bool
    days: list[dict[str, Any]]

    def as_data(self) -> dict[str, Any]:
        return {
            "series": self.series,
            "label": self.label,
            "paired": self.paired,
            "first_day": self.first_day,
            "days_differing": self.differing,
            "to_the_end": self.to_the_end,
            "conditional": self.conditional,
            "days": self.days,
        }


def diverge(
    name: str,
    label: str,
    a: np.ndarray,
    b: np.ndarray,
    paired: bool,
    confidence: float = 0.95,
    alpha: float = 0.05,
) -> Divergence:
    """Compare series ``name`` day by day: ``a`` and ``b`` are replications by days
    (row r of each the same replication when ``paired``)."""
    from scipy import stats

    rows: list[dict[str, Any]] = []
    for day in range(a.shape[1]):
        x, y = a[:, day].astype(float), b[:, day].astype(float)
        if paired:  # where both have a value (no strain once a truce has collapsed)
            present = ~np.isnan(x) & ~np.isnan(y)
            x, y = x[present], y[present]
        else:
            x, y = x[~np.isnan(x)], y[~np.isnan(y)]
        if len(x) < 2 or len(y) < 2:
            rows.append({"day": day, "a": None, "b": None, "difference": None, "low": None,
                         "high": None, "p_value": None, "n": (len(x), len(y))})  # fmt: skip
            continue
        if paired:
            found = mean(list(y - x), confidence)
            difference, low, high = found.value, found.low, found.high
            p_value, _ = _paired_test(x, y, float)
        else:
            difference, low, high = _welch(x, y, confidence)
            p_value, _ = _unpaired_test(x, y, float)
        rows.append(
            {
                "day": day,
                "a": float(x.mean()),
                "b": float(y.mean()),
                "difference": difference,
                "low": low,
                "high": high,
                "p_value": p_value,
                "n": (len(x), len(y)),
            }
        )
    tested = [r for r in rows if r["p_value"] is not None]
    if tested:
        adjusted = stats.false_discovery_control([r["p_value"] for r in tested], method="bh")
        for row, p in zip(tested, adjusted, strict=True):
            row["p_adjusted"] = float(p)
    for row in rows:
        row.setdefault("p_adjusted", None)
        row["differs"] = row["p_adjusted"] is not None and row["p_adjusted"] < alpha
    differing = [int(row["day"]) for row in rows if row["differs"]]
    first = differing[0] if differing else None
    to_the_end = first is not None and all(row["differs"] for row in rows[first:])
    conditional = any(row["n"] != (len(a), len(b)) for row in rows)
    return Divergence(name, label, paired, first, len(differing), to_the_end, conditional, rows)


def zero_in_both(a: Side, b: Side) -> list[str]:
    """The shared outcomes that never moved in either run (left out of ``compare``)."""
    schema_b = outcome_schema(b.scenario)
    return [
        f.text(a.scenario)
        for f in fields(a.scenario)
        if f.name in schema_b
        and f.numeric
        and f.role == OUTCOME
        and f.applies(a.scenario)
        and not any(v for v in a.columns[f.name] if v is not None)
        and not any(v for v in b.columns[f.name] if v is not None)
    ]
