"""An analyst's sweep, timed: 50 points of the Idlib scenario (the rebels' chance to
answer at 10 values, the guarantors' negotiation delay at 5), each point ``--runs``
replications, on ``--jobs`` local workers, into a sweep directory as ``truce sweep``
writes it (daily series included, as by default).

The baseline, measured in the same run just before, is the model alone on one core
over the same 50 points (an equal share of replications each, daily series counted as
the sweep counts them): the points answer more often than the file's values, so each
replication takes longer than at those values (about 1.3 times). The report gives the
sweep's wall time, its replications per second, and its throughput against ``jobs``
times the one-core rate (1.0: the workers lose nothing to start-up, transfer,
summaries and storage).

    python benchmarks/sweep.py [--runs 2000] [--jobs 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from sim import api
from sim.compiled import in_use
from sim.experiments.chunks import run_chunk
from sim.experiments.designs import parse_factors
from sim.experiments.experiment_files import Experiment
from sim.scenario import read_toml
from sim.scenario.spec import Scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "idlib-2020-10.toml"
VARY = (
    "actors.nfl.retaliation.probability=0.05:0.5:10",
    "negotiation.delay.mean=0.5,1.5,3,5,8",
)


def points() -> list[Scenario]:
    """The sweep's 50 points, as scenarios."""
    experiment = (
        Experiment(str(SCENARIO), read_toml(SCENARIO))
        .merged(factors=parse_factors(list(VARY)), runs=1, seed=1, output="unused")
        .finished()
    )
    return [scenario for _, scenario in experiment.point_scenarios()]


def one_core_rate(seconds: float = 10.0) -> float:
    """Replications per second of the model alone over the sweep's points, over about
    ``seconds``: a chunk of replications at each point in turn, with daily series."""
    scenarios, each = points(), 20
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for scenario in scenarios:
            done += run_chunk(scenario, 7, done, each, daily=True).rows
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=2000, help="replications per point")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--baseline-seconds", type=float, default=10.0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    rate = one_core_rate(args.baseline_seconds)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        swept = api.sweep(
            SCENARIO,
            vary=list(VARY),
            runs=args.runs,
            seed=1,
            jobs=args.jobs,
            output=Path(folder) / "sweep",
        )
        seconds = time.perf_counter() - start
    points = len(swept.points)
    total = points * args.runs
    figures = {
        "compiled": in_use(),
        "points": points,
        "replications_per_point": args.runs,
        "jobs": args.jobs,
        "wall_seconds": seconds,
        "replications_per_second": total / seconds,
        "one_core_replications_per_second": rate,
        "throughput_against_jobs_times_one_core": total / seconds / (args.jobs * rate),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(
        f"sweep of {points} points x {args.runs} replications of Idlib on {args.jobs} workers: "
        f"{seconds:.1f} s ({total / seconds:,.0f} replications/s)"
    )
    print(
        f"  the model alone on one core, over the same points: {rate:,.0f} replications/s; "
        "the sweep's throughput "
        f"is {figures['throughput_against_jobs_times_one_core']:.2f} of {args.jobs} times that"
    )


if __name__ == "__main__":
    main()
