"""Parallel speed: local process pools of 1 and 2 workers, and a 2-worker Dask
LocalCluster, on the same replications of a scenario (Idlib by default).

Reports the speed-up of 2 local workers over 1, and the overhead of the cluster
against the 2-worker local pool. All runs happen in this one invocation, so the
machine's load affects them alike; with --rounds above 1 the medians are reported.

The same speed-up is measured for the command an analyst types, ``truce run SCENARIO
--runs N --jobs 1`` against ``--jobs 2`` (wall time of a fresh process, start-up and
the printed tables included), in the same rounds.

    python benchmarks/scale.py [--runs 20000] [--rounds 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sim.compiled import in_use
from sim.experiments.chunks import Chunk, Intervals
from sim.experiments.executors import Backend, open_executor
from sim.experiments.runs import run_on
from sim.model.outcomes import Columns
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


class Counter:
    """A sink that only counts, so the benchmark measures running, not storing."""

    daily = False  # the outcomes alone, as the benchmark has always measured

    def __init__(self) -> None:
        self.rows = 0

    def done(self) -> Intervals:
        return Intervals()

    def write(self, chunk: Chunk) -> None:
        self.rows += chunk.rows

    def columns(self, fields: list[str]) -> Columns:
        return {}


def timed(scenario: object, runs: int, backend: Backend) -> float:
    sink = Counter()
    start = time.perf_counter()
    with open_executor(backend) as (executor, workers):
        run_on(executor, workers, scenario, 1, runs, sink)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - start
    assert sink.rows == runs
    return elapsed


def command(scenario: str, runs: int, jobs: int) -> float:
    """Wall seconds of ``truce run`` in a fresh process."""
    arguments = ["-m", "cli", "run", scenario, "--runs", str(runs), "--jobs", str(jobs)]
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, *arguments, "--quiet"], cwd=ROOT, check=True, capture_output=True
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "idlib-2020-10.toml"))
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    one, two, cluster, typed_one, typed_two = [], [], [], [], []
    for _ in range(args.rounds):
        one.append(timed(scenario, args.runs, Backend("local", 1)))
        two.append(timed(scenario, args.runs, Backend("local", 2)))
        cluster.append(timed(scenario, args.runs, Backend("dask", 2, "local:2")))
        typed_one.append(command(args.scenario, args.runs, 1))
        typed_two.append(command(args.scenario, args.runs, 2))
    commands = [a / b for a, b in zip(typed_one, typed_two, strict=True)]
    t1, t2, tc = (statistics.median(x) for x in (one, two, cluster))
    figures = {
        "compiled": in_use(),
        "scenario": scenario.name,
        "replications": args.runs,
        "rounds": args.rounds,
        "seconds_1_worker": t1,
        "seconds_2_workers": t2,
        "seconds_dask_2_workers": tc,
        "speedup_2_over_1": t1 / t2,
        "speedup_range": [
            min(a / b for a, b in zip(one, two, strict=True)),
            max(a / b for a, b in zip(one, two, strict=True)),
        ],
        "dask_overhead_vs_local_pool": tc / t2 - 1,
        "command_seconds_1_worker": statistics.median(typed_one),
        "command_seconds_2_workers": statistics.median(typed_two),
        "command_speedup": statistics.median(commands),
        "command_speedup_range": [min(commands), max(commands)],
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    build = "compiled" if figures["compiled"] else "pure Python"
    print(f"{scenario.name}: {args.runs} replications, median of {args.rounds} round(s), {build}")
    print(f"  1 local worker        {t1:8.1f} s  ({args.runs / t1:,.0f} replications/s)")
    print(f"  2 local workers       {t2:8.1f} s  ({args.runs / t2:,.0f} replications/s)")
    print(f"  Dask, 2 workers       {tc:8.1f} s  ({args.runs / tc:,.0f} replications/s)")
    low, high = figures["speedup_range"]
    print(f"  speed-up, 2 over 1    {t1 / t2:8.2f}x  (rounds: {low:.2f} to {high:.2f})")
    print(f"  Dask overhead         {100 * (tc / t2 - 1):8.1f}% against the 2-worker local pool")
    low, high = figures["command_speedup_range"]
    print(
        f"  truce run, --jobs 1 {figures['command_seconds_1_worker']:6.1f} s, --jobs 2 "
        f"{figures['command_seconds_2_workers']:.1f} s: {figures['command_speedup']:.2f}x "
        f"(rounds: {low:.2f} to {high:.2f})"
    )


if __name__ == "__main__":
    main()
