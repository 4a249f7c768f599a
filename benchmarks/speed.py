"""Speed of the model against bare SimPy, measured in the same run on one core.

The model runs replications of a scenario (the Idlib scenario by default) and counts
the SimPy events they process. The baseline is a bare SimPy loop: a few processes that
each wait a random exponential delay (drawn from the same buffered streams the model
uses) and do nothing else, run for the same number of events. Rounds alternate
between the two so that the machine's load affects both alike; the report gives
medians over rounds and the ratio of costs per event.

The daily series are measured the same way: in each round the same replications run
into a results directory with and without them (``--daily on`` and ``off``), and the
report gives the ratio of times and the daily files' bytes per replication.

    python benchmarks/speed.py [--runs 300] [--rounds 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import simpy

from sim import api
from sim.compiled import in_use
from sim.model import CountingEnvironment
from sim.model.replication import replicate
from sim.model.streams import Concept, Stream
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def model_round(scenario: Any, runs: int, seed: int) -> tuple[float, int]:
    """Seconds and SimPy events for ``runs`` replications."""
    start = time.perf_counter()
    events = sum(o["events"] for o in replicate(scenario, seed, runs))
    return time.perf_counter() - start, events


def bare_round(events: int, processes: int = 8) -> float:
    """Seconds for a bare SimPy loop to process ``events`` timeouts with random delays."""
    stream = Stream(0, 0, Concept.TIMING, "bare")

    def wait_forever(env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        draw = stream.exponential
        while True:
            yield env.timeout(draw())

    start = time.perf_counter()
    env = CountingEnvironment()
    for _ in range(processes):
        env.process(wait_forever(env))
    # each process waits 1 day on average, so `processes` events per day
    env.run(until=events / processes)
    elapsed = time.perf_counter() - start
    return elapsed * events / env.processed


def daily_round(scenario: Any, runs: int, seed: int, daily: bool) -> tuple[float, int]:
    """Seconds for ``runs`` replications into a results directory on one core, and the
    bytes of their daily files."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        start = time.perf_counter()
        api.run(scenario, runs=runs, seed=seed, jobs=1, output=out, daily=daily)
        seconds = time.perf_counter() - start
        size = sum(p.stat().st_size for p in (out / "_daily").glob("*.parquet")) if daily else 0
    return seconds, size


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "idlib-2020-10.toml"))
    parser.add_argument("--runs", type=int, default=300, help="replications per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    model_round(scenario, 20, seed=999)  # warm up
    rates, model_costs, bare_costs, ratios, events_per_run = [], [], [], [], []
    daily_ratios, daily_bytes = [], []
    for round_number in range(args.rounds):
        seconds, events = model_round(scenario, args.runs, seed=round_number)
        bare = bare_round(events)
        without, _ = daily_round(scenario, args.runs, round_number, daily=False)
        with_daily, size = daily_round(scenario, args.runs, round_number, daily=True)
        daily_ratios.append(with_daily / without)
        daily_bytes.append(size / args.runs)
        rates.append(args.runs / seconds)
        model_costs.append(seconds / events * 1e6)
        bare_costs.append(bare / events * 1e6)
        ratios.append(seconds / bare)
        events_per_run.append(events / args.runs)
    figures = {
        "compiled": in_use(),
        "scenario": scenario.name,
        "replications_per_round": args.runs,
        "rounds": args.rounds,
        "replications_per_second": statistics.median(rates),
        "replications_per_second_range": [min(rates), max(rates)],
        "events_per_replication": statistics.median(events_per_run),
        "model_us_per_event": statistics.median(model_costs),
        "bare_simpy_us_per_event": statistics.median(bare_costs),
        "ratio_per_event": statistics.median(ratios),
        "ratio_range": [min(ratios), max(ratios)],
        "daily_ratio": statistics.median(daily_ratios),
        "daily_ratio_range": [min(daily_ratios), max(daily_ratios)],
        "daily_bytes_per_replication": statistics.median(daily_bytes),
        "days": math.ceil(scenario.horizon),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    build = "compiled" if figures["compiled"] else "pure Python"
    print(
        f"{figures['scenario']}: {args.rounds} rounds of {args.runs} replications, "
        f"one core, {build}"
    )
    low, high = figures["replications_per_second_range"]
    print(
        f"  replications per second     {figures['replications_per_second']:10.1f}"
        f"   (rounds: {low:.1f} to {high:.1f})"
    )
    print(f"  SimPy events per replication{figures['events_per_replication']:10.1f}")
    print(f"  model, us per event         {figures['model_us_per_event']:10.2f}")
    print(f"  bare SimPy, us per event    {figures['bare_simpy_us_per_event']:10.2f}")
    low, high = figures["ratio_range"]
    ratio = figures["ratio_per_event"]
    print(f"  ratio (model / bare)        {ratio:10.2f}   (rounds: {low:.2f} to {high:.2f})")
    low, high = figures["daily_ratio_range"]
    print(
        f"  daily series: a results directory takes {figures['daily_ratio']:.2f} times as long "
        f"with them (rounds: {low:.2f} to {high:.2f})"
    )
    size = figures["daily_bytes_per_replication"]
    print(
        f"  daily series: {size:,.0f} bytes a replication of {figures['days']} days, "
        f"{size * 100_000 / 2**20:,.0f} MiB per 100,000 replications"
    )


if __name__ == "__main__":
    main()
