"""Replications an analyst needs: the user-level speed figure.

How many Idlib replications give P(truce collapsed by day 60) to within +-WIDTH
(a 95% interval's half-width), and how many give the *difference* that a lever makes
(the guarantors' negotiation delay from MEAN_A to MEAN_B days) to within the same width,
with common random numbers (replication r of both points on the same streams, as
``truce sweep`` and ``truce compare`` run them) and without (independent seeds).

The variances are measured on ``--runs`` replications a point; the replications
needed follow from them (n = z^2 var / WIDTH^2). ``--until-ci`` is run on the single
scenario to show the adaptive run reaching the width by itself.

    python benchmarks/replications.py [--runs 4000] [--width 0.01] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from sim import api
from sim.model.replication import replicate
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "idlib-2020-10.toml"
LEVER = "negotiation.delay.mean"
MEAN_A, MEAN_B = 1.5, 5.0


def collapsed(path: Path, seed: int, runs: int, delay: float) -> NDArray[np.float64]:
    scenario = load_scenario(path, [f"{LEVER}={delay}"])
    return np.array([o["collapsed"] for o in replicate(scenario, seed, runs)], dtype=float)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=4000, help="replications per point")
    parser.add_argument("--width", type=float, default=0.01, help="the half-width aimed at")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    z2 = stats.norm.ppf(0.975) ** 2
    a = collapsed(SCENARIO, 1, args.runs, MEAN_A)
    b_paired = collapsed(SCENARIO, 1, args.runs, MEAN_B)  # the same streams
    b_independent = collapsed(SCENARIO, 2, args.runs, MEAN_B)  # another seed
    p = float(a.mean())
    single = math.ceil(z2 * p * (1 - p) / args.width**2)
    paired_variance = float(np.var(b_paired - a, ddof=1))
    independent_variance = float(np.var(a, ddof=1) + np.var(b_independent, ddof=1))
    paired = math.ceil(z2 * paired_variance / args.width**2)
    independent = math.ceil(z2 * independent_variance / args.width**2)
    adaptive = api.run(
        SCENARIO, runs=500, seed=1, until_ci=f"collapsed={args.width}", jobs=1, daily=False
    )
    figures = {
        "width": args.width,
        "p_collapse": p,
        "replications_for_p": single,
        "until_ci_replications": adaptive.info.replications if adaptive.info else 0,
        "difference": float(b_paired.mean() - p),
        "paired_variance": paired_variance,
        "independent_variance": independent_variance,
        "replications_for_difference_with_crn": paired,
        "replications_for_difference_without_crn": independent,
        "crn_saving": independent / paired,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"Idlib, P(collapse by day 60) = {p:.3f}, to +-{args.width} (95%):")
    stopped = figures["until_ci_replications"]
    print(f"  replications needed: {single:,}; --until-ci stopped after {stopped:,}")
    print(
        f"the difference a negotiation delay of {MEAN_B:g} days instead of {MEAN_A:g} makes "
        f"({figures['difference']:+.3f}), to +-{args.width}:"
    )
    print(f"  with common random numbers: {paired:,} replications a point")
    print(f"  with independent seeds:     {independent:,} replications a point")
    print(f"  common random numbers need {figures['crn_saving']:.1f} times fewer")


if __name__ == "__main__":
    main()
