"""The model against what an analyst would write by hand, on the two-actor cycle.

The peer is a plain SimPy script of the same process: one opening strike, each strike
answered by the struck side with probability 0.6 after an exponential lag of mean 1
day, one process per answer, counting strikes and the longest chain. It runs in two
versions: with the standard library's ``random`` (one generator a replication), and
with a numpy generator a replication. The model runs the bundled scenario
``scenarios/two-actor-cycle.toml``, which is that process, through
``sim.model.replicate`` (every outcome of the catalogue computed). Rounds alternate
between the three in this one process, so the machine's load falls on all alike; the
report gives medians over rounds, the ranges, and the mean number of strikes each
produced (theory: 2.5), so that the comparison is between the same process.

    python benchmarks/peer.py [--runs 5000] [--rounds 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import numpy as np
import simpy

from sim.compiled import in_use
from sim.model.replication import replicate
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
PROBABILITY, LAG, HORIZON = 0.6, 1.0, 365.0


def plain(seed: int, replication: int, numpy: bool) -> tuple[int, int]:
    """One replication of the plain script: (strikes, longest chain)."""
    if numpy:
        generator = np.random.default_rng([seed, replication])
        uniform: Callable[[], float] = generator.random
        lag: Callable[[], float] = lambda: generator.exponential(LAG)  # noqa: E731
    else:
        rng = random.Random(seed * 1_000_003 + replication)
        uniform = rng.random
        lag = lambda: rng.expovariate(1.0 / LAG)  # noqa: E731
    env = simpy.Environment()
    counts = [0, 0]  # strikes, longest chain

    def strike(depth: int) -> None:
        counts[0] += 1
        counts[1] = max(counts[1], depth)
        if uniform() < PROBABILITY:  # the struck side answers
            env.process(answer(depth + 1))

    def answer(depth: int) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(lag())
        strike(depth)

    strike(1)  # the opening
    env.run(until=HORIZON)
    return counts[0], counts[1]


def plain_round(runs: int, seed: int, numpy: bool) -> tuple[float, float]:
    start = time.perf_counter()
    strikes = sum(plain(seed, r, numpy)[0] for r in range(runs))
    return time.perf_counter() - start, strikes / runs


def model_round(scenario: Any, runs: int, seed: int) -> tuple[float, float]:
    start = time.perf_counter()
    strikes = sum(o["strikes"] for o in replicate(scenario, seed, runs))
    return time.perf_counter() - start, strikes / runs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5000, help="replications per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    scenario = load_scenario(ROOT / "scenarios" / "two-actor-cycle.toml")
    model_round(scenario, 200, seed=999)  # warm up
    names = ("model", "plain SimPy, stdlib random", "plain SimPy, numpy generator")
    rates: dict[str, list[float]] = {name: [] for name in names}
    strikes: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(args.rounds):
        for name, (seconds, mean) in zip(
            names,
            (
                model_round(scenario, args.runs, round_number),
                plain_round(args.runs, round_number, numpy=False),
                plain_round(args.runs, round_number, numpy=True),
            ),
            strict=True,
        ):
            rates[name].append(args.runs / seconds)
            strikes[name].append(mean)
    ratios = {
        name: [peer / model for peer, model in zip(rates[name], rates["model"], strict=True)]
        for name in names[1:]
    }
    figures = {
        "compiled": in_use(),
        "replications_per_round": args.runs,
        "rounds": args.rounds,
        "replications_per_second": {n: statistics.median(r) for n, r in rates.items()},
        "range": {n: [min(r), max(r)] for n, r in rates.items()},
        "mean_strikes": {n: statistics.fmean(s) for n, s in strikes.items()},
        "peer_over_model": {n: statistics.median(r) for n, r in ratios.items()},
        "peer_over_model_range": {n: [min(r), max(r)] for n, r in ratios.items()},
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    build = "compiled" if figures["compiled"] else "pure Python"
    print(f"two-actor cycle: {args.rounds} rounds of {args.runs} replications, one core, {build}")
    for name in names:
        low, high = figures["range"][name]
        rate = figures["replications_per_second"][name]
        mean = figures["mean_strikes"][name]
        print(
            f"  {name:30} {rate:9,.0f} replications/s ({low:,.0f} to {high:,.0f}),"
            f" {mean:.2f} strikes on average"
        )
    for name in names[1:]:
        low, high = figures["peer_over_model_range"][name]
        ratio = figures["peer_over_model"][name]
        print(f"  {name} / model: {ratio:.2f} ({low:.2f} to {high:.2f})")


if __name__ == "__main__":
    main()
