"""What a summary of a results directory costs, beside the run that made it.

Writes a results directory of the Idlib scenario (20,000 replications in 400 chunks by
default) on the local pool, then times ``truce summary`` on it (the library call
behind it), median over rounds, and the peak memory Python allocates while it runs
(tracemalloc). Both are measured in this one invocation, so the machine's load
affects them alike; the figure to compare is the ratio.

    python benchmarks/summary.py [--runs 20000] [--chunks 400] [--rounds 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import sim

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "idlib-2020-10.toml"))
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--chunks", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "results"
        start = time.perf_counter()
        sim.run(args.scenario, runs=args.runs, seed=1, chunk=args.runs // args.chunks, output=out)
        run_seconds = time.perf_counter() - start
        seconds = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            sim.open_results(out).summary()
            seconds.append(time.perf_counter() - start)
        tracemalloc.start()
        sim.open_results(out).summary()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    summary_seconds = statistics.median(seconds)
    figures = {
        "replications": args.runs,
        "chunks": args.chunks,
        "run_seconds": run_seconds,
        "summary_seconds": summary_seconds,
        "summary_over_run": summary_seconds / run_seconds,
        "summary_peak_mib": peak / 2**20,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{args.runs} replications in {args.chunks} chunks")
    print(f"  run (all cores)        {run_seconds:8.2f} s")
    print(f"  summary                {summary_seconds:8.2f} s   (median of {args.rounds})")
    print(f"  summary / run          {summary_seconds / run_seconds:8.3f}")
    print(f"  summary, peak memory   {peak / 2**20:8.1f} MiB (Python allocations)")


if __name__ == "__main__":
    main()
