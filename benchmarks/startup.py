"""How long each command takes to start: ``truce COMMAND --help`` in a fresh
interpreter, against a bare interpreter and one that imports only what every command
needs (numpy, SimPy, click), measured in the same rounds.

A command's start is what it costs before any work: the interpreter, the imports and
parsing its options. Heavy libraries (scipy, pyarrow, Dask, matplotlib and the extras)
are imported where they are used, so none of them counts here.

    python benchmarks/startup.py [--rounds 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARE = "pass"
FLOOR = "import numpy, simpy, click"


def seconds(arguments: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *arguments], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def commands() -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", "import cli; print(' '.join(cli.truce.commands))"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    runs = {
        "python (bare interpreter)": ["-c", BARE],
        "python -c 'import numpy, simpy, click'": ["-c", FLOOR],
        "truce --help": ["-m", "cli", "--help"],
    }
    runs.update({f"truce {name} --help": ["-m", "cli", name, "--help"] for name in commands()})
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.rounds):  # round by round, so the machine's load falls alike
        for name, arguments in runs.items():
            times[name].append(seconds(arguments))
    medians = {name: statistics.median(t) for name, t in times.items()}
    slowest = max((n for n in medians if n.startswith("truce")), key=medians.__getitem__)
    if args.json:
        figures = {n: {"median": medians[n], "range": [min(t), max(t)]} for n, t in times.items()}
        print(json.dumps({"rounds": args.rounds, "slowest": slowest, "seconds": figures}, indent=2))
        return
    print(f"start-up, seconds: median of {args.rounds} rounds (range)")
    for name, median in medians.items():
        low, high = min(times[name]), max(times[name])
        print(f"  {name:44} {median:6.3f}   ({low:.3f} to {high:.3f})")
    print(f"slowest command: {slowest}")


if __name__ == "__main__":
    main()
