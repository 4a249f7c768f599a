"""The posterior predictive check: does the fitted model reproduce what was observed?

``draws`` points are drawn from the posterior sample by weight; at each, the model runs
``replications`` replications anew and gives every target's statistic. A new
observation at that point is that statistic plus the target's normal error, so each
target gets the simulated statistic's median and 90% interval, and the share of
predicted observations at or below the observed value (a posterior predictive p-value
once made two-sided: near 0 means the model cannot reproduce the observation even at
its fitted values). Draws and seeds come from ``SeedSequence(seed, spawn_key=(KEY,))``,
apart from the fit's own rounds, and the draws run as tasks gathered in order, so the
check never depends on the workers.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.calibration.abc import FAILED, Model, parameter_names, target_keys

KEY = 2**31 - 2  # far past any sampling round of the fit
DRAWS = 100
LEVEL = 0.9
ALARM = 0.05  # a two-sided predictive p-value below this is flagged


@dataclass(frozen=True)
class Check:
    """Per target (rows) and draw (columns): the simulated statistics; NaN where a
    draw's replications failed or left the statistic undefined."""

    simulated: np.ndarray[Any, Any]
    predicted: np.ndarray[Any, Any]  # simulated plus the observation's normal error
    failed: int  # draws whose replications failed

    def rows(self, model: Model) -> list[dict[str, Any]]:
        found = []
        tail = (1 - LEVEL) / 2
        for target, values, predicted in zip(
            model.targets, self.simulated, self.predicted, strict=True
        ):
            kept = values[~np.isnan(values)]
            new = predicted[~np.isnan(predicted)]
            if not kept.size:
                found.append(
                    {
                        "label": target.label,
                        "observed": target.observed,
                        "sd": target.sd,
                        "draws": 0,
                        "reproduced": False,
                    }
                )
                continue
            below = float(np.mean(new <= target.observed))
            p_value = round(min(1.0, 2 * min(below, 1 - below)), 4)
            found.append(
                {
                    "label": target.label,
                    "observed": target.observed,
                    "sd": target.sd,
                    "draws": int(kept.size),
                    "median": float(np.median(kept)),
                    "low": float(np.quantile(kept, tail)),
                    "high": float(np.quantile(kept, 1 - tail)),
                    "share_below": below,
                    "p_value": p_value,
                    "reproduced": p_value >= ALARM,
                }
            )
        return found


def predictive_check(
    model: Model,
    points: np.ndarray[Any, Any],
    weights: np.ndarray[Any, Any],
    seed: int,
    executor: cf.Executor,
    draws: int = DRAWS,
) -> Check:
    """Simulate every target at ``draws`` points of the posterior (see the module)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(KEY,)))
    rows = rng.choice(len(weights), size=draws, p=weights / weights.sum())
    seeds = rng.integers(0, 2**31 - 1, size=draws)
    names = parameter_names(model.factors)
    futures = [
        executor.submit(
            model.statistics, model.point(dict(zip(names, points[row], strict=True))), int(s)
        )
        for row, s in zip(rows, seeds, strict=True)
    ]
    keys = target_keys(model.targets)
    simulated = np.full((len(keys), draws), math.nan)
    failed = 0
    for column, future in enumerate(futures):
        found = future.result()
        failed += found.get(FAILED, 0.0) > 0
        for row, key in enumerate(keys):
            if math.isfinite(found[key]):
                simulated[row, column] = found[key]
    errors = rng.normal(0.0, 1.0, size=simulated.shape)
    sds = np.array([t.sd for t in model.targets])[:, None]
    return Check(simulated, simulated + errors * sds, failed)
