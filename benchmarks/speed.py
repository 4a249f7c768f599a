"""Speed of the model against bare SimPy, measured in the same run on one core.

The model runs replications of a scenario (the Idlib scenario by default) and counts
the SimPy events they process. The baseline is a bare SimPy loop: a few processes that
each wait a random exponential delay (drawn from the same buffered streams the model
uses) and do nothing else, run for the same number of events. Rounds alternate
between the two so that the machine's load affects both alike; the report gives
medians over rounds and the ratio of costs per event.

    python benchmarks/speed.py [--runs 300] [--rounds 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import simpy

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
    for round_number in range(args.rounds):
        seconds, events = model_round(scenario, args.runs, seed=round_number)
        bare = bare_round(events)
        rates.append(args.runs / seconds)
        model_costs.append(seconds / events * 1e6)
        bare_costs.append(bare / events * 1e6)
        ratios.append(seconds / bare)
        events_per_run.append(events / args.runs)
    figures = {
        "scenario": scenario.name,
        "replications_per_round": args.runs,
        "rounds": args.rounds,
        "replications_per_second": statistics.median(rates),
        "events_per_replication": statistics.median(events_per_run),
        "model_us_per_event": statistics.median(model_costs),
        "bare_simpy_us_per_event": statistics.median(bare_costs),
        "ratio_per_event": statistics.median(ratios),
        "ratio_range": [min(ratios), max(ratios)],
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{figures['scenario']}: {args.rounds} rounds of {args.runs} replications, one core")
    print(f"  replications per second     {figures['replications_per_second']:10.1f}")
    print(f"  SimPy events per replication{figures['events_per_replication']:10.1f}")
    print(f"  model, us per event         {figures['model_us_per_event']:10.2f}")
    print(f"  bare SimPy, us per event    {figures['bare_simpy_us_per_event']:10.2f}")
    low, high = figures["ratio_range"]
    ratio = figures["ratio_per_event"]
    print(f"  ratio (model / bare)        {ratio:10.2f}   (rounds: {low:.2f} to {high:.2f})")


if __name__ == "__main__":
    main()
