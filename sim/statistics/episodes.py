"""The regularities of retaliation, pooled over replications, beside the empirical
literature: how many strikes answer an earlier one (the branching ratio), how many
episodes nobody answers (one-sided), and how long the runs of answers are in the
episodes that are answered (two-sided).

Episodes within a replication are not independent (a grievance or a collapse links
them), so every interval is a cluster bootstrap over replications: whole replications
are resampled, and each figure recomputed from their pooled counts (scipy's
``bootstrap``, percentile method, with a generator seeded by the run's seed, so the
same run gives the same intervals).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model.episodes import Episode, Strikes
from sim.optional import require

if TYPE_CHECKING:
    import pandas as pd

LONGEST = 8  # runs of answers are counted 1, 2, ..., 7, and 8 or more


@dataclass(frozen=True, slots=True)
class Reference:
    """An empirical figure: its range (``low`` = ``high`` for a single value) and source."""

    low: float
    high: float
    source: str

    @property
    def text(self) -> str:
        shown = f"{self.low:g}" if self.low == self.high else f"{self.low:g} to {self.high:g}"
        return f"{shown} ({self.source})"

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high


# the figures of the literature the measures stand beside, declared once
REFERENCES = {
    "branching_ratio": Reference(
        0.37, 0.50, "Lewis, Mohler, Brantingham and Bertozzi 2012, Iraq: share triggered"
    ),
    "one_sided": Reference(
        0.56, 0.66, "Abrahams, Berman, Khadka, Klor and Powell, Gaza 2007-14: 61%, +-5 points"
    ),
    "median_run": Reference(3, 3, "Abrahams et al., Gaza 2007-14, two-sided episodes"),
}


@dataclass(frozen=True, slots=True)
class Measure:
    """One pooled figure with its bootstrap interval and the n it is out of."""

    name: str
    label: str
    value: float
    low: float
    high: float
    n: int
    reference: Reference | None = None


@dataclass(frozen=True)
class EpisodeSummary:
    """The episodes of a run and their regularities (see ``summarize_episodes``)."""

    scenario: str
    runs: int
    seed: int
    standing: bool  # only episodes (and strikes) while the truce stood
    confidence: float
    measures: list[Measure]
    runs_of_answers: list[int]  # two-sided episodes by their longest run: 1, ..., 8+
    episodes: list[Episode] = field(repr=False)

    def measure(self, name: str) -> Measure:
        return next(m for m in self.measures if m.name == name)

    def frame(self) -> pd.DataFrame:
        """One row per episode."""
        pd = require("pandas", "frame()", "episodes", "a table of episodes")
        columns = Episode.__dataclass_fields__
        return pd.DataFrame({name: [getattr(e, name) for e in self.episodes] for name in columns})

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "runs": self.runs,
            "seed": self.seed,
            "standing": self.standing,
            "confidence": self.confidence,
            "episodes": len(self.episodes),
            "measures": [
                {
                    "name": m.name,
                    "label": m.label,
                    "value": _number(m.value),
                    "interval": [_number(m.low), _number(m.high)],
                    "n": m.n,
                    "literature": None
                    if m.reference is None
                    else {
                        "low": m.reference.low,
                        "high": m.reference.high,
                        "source": m.reference.source,
                    },
                }
                for m in self.measures
            ],
            "two_sided_by_longest_run": {
                (f"{k}" if k < LONGEST else f"{LONGEST}+"): n
                for k, n in enumerate(self.runs_of_answers, start=1)
            },
        }


def _number(value: float) -> float | None:
    return None if math.isnan(value) else value


def _ratio(top: np.ndarray, bottom: np.ndarray, axis: int = -1) -> Any:
    total = np.sum(bottom, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, np.sum(top, axis=axis) / np.where(total > 0, total, 1), np.nan)


def _median_run(*bins: np.ndarray, axis: int = -1) -> Any:
    """The median longest run of answers of the pooled two-sided episodes."""
    counts = np.stack([np.sum(b, axis=axis) for b in bins], axis=-1)
    total = counts.sum(axis=-1, keepdims=True)
    below = np.cumsum(counts, axis=-1) / np.where(total > 0, total, 1)
    median = (np.argmax(below >= 0.5, axis=-1) + 1).astype(float)
    return np.where(total[..., 0] > 0, median, np.nan)


def _interval(
    samples: Sequence[np.ndarray], statistic: Any, confidence: float, seed: int
) -> tuple[float, float]:
    from scipy import stats

    if len(samples[0]) < 2:
        return math.nan, math.nan
    found = stats.bootstrap(
        tuple(samples),
        statistic,
        paired=True,
        vectorized=True,
        confidence_level=confidence,
        n_resamples=2000,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    low, high = found.confidence_interval
    return float(low), float(high)


def summarize_episodes(
    scenario: str,
    seed: int,
    per_replication: Sequence[tuple[list[Episode], Strikes]],
    standing: bool = False,
    confidence: float = 0.95,
) -> EpisodeSummary:
    """The regularities of the pooled episodes of the replications, with intervals."""
    chosen = [[e for e in found if e.standing or not standing] for found, _ in per_replication]
    strikes = np.array([c.standing if standing else c.all for _, c in per_replication])
    answers = np.array(
        [c.standing_answers if standing else c.all_answers for _, c in per_replication]
    )
    episodes = np.array([len(found) for found in chosen])
    one_sided = np.array([sum(e.answers == 0 for e in found) for found in chosen])
    bins = np.zeros((LONGEST, len(chosen)), dtype=np.int64)
    for r, found in enumerate(chosen):
        for e in found:
            if e.answers:
                bins[min(e.exchange, LONGEST) - 1, r] += 1
    two_sided = bins.sum(axis=0)
    at_least_3 = bins[2:].sum(axis=0)

    def measure(
        name: str, label: str, samples: list[np.ndarray], statistic: Any, n: int
    ) -> Measure:
        value = float(statistic(*[s[None, :] for s in samples])[0])
        low, high = _interval(samples, statistic, confidence, seed)
        return Measure(name, label, value, low, high, n, REFERENCES.get(name))

    measures = [
        measure(
            "branching_ratio",
            "retaliations per strike (branching ratio)",
            [answers, strikes],
            _ratio,
            int(strikes.sum()),
        ),
        measure(
            "one_sided",
            "episodes nobody answered (one-sided)",
            [one_sided, episodes],
            _ratio,
            int(episodes.sum()),
        ),
        measure(
            "median_run",
            "median longest run of answers, two-sided episodes",
            list(bins),
            _median_run,
            int(two_sided.sum()),
        ),
        measure(
            "three_or_more",
            "P(a run of 3 or more answers | two-sided)",
            [at_least_3, two_sided],
            _ratio,
            int(two_sided.sum()),
        ),
    ]
    return EpisodeSummary(
        scenario=scenario,
        runs=len(per_replication),
        seed=seed,
        standing=standing,
        confidence=confidence,
        measures=measures,
        runs_of_answers=[int(n) for n in bins.sum(axis=1)],
        episodes=[e for found in chosen for e in found],
    )
