"""Golden outputs: per-replication rows of ``truce run`` and the JSON of ``truce trace``
for both bundled scenarios, kept in ``tests/golden/``. ``test_golden.py`` checks that
the commands still write them byte for byte.

A change meant to alter the model's numbers rewrites them, and says why in its commit:

    python -m tests.goldens
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.conftest import IDLIB, ROOT, TWO_ACTOR, invoke

FOLDER = ROOT / "tests" / "golden"

# (file name, scenario, seed, replications)
RUNS = [
    ("idlib-seed1.csv", IDLIB, 1, 300),
    ("idlib-seed2020.csv", IDLIB, 2020, 300),
    ("two-actor-seed1.csv", TWO_ACTOR, 1, 400),
    ("two-actor-seed7.csv", TWO_ACTOR, 7, 400),
]
# (file name, scenario, seed, replication): Idlib seed 1 replication 0 has a mediator's
# call, 1 a guarantor's direct action, personnel killed and a restoration, 7 a crowded-out
# call, 14 a collapse on strain, 180 two collapses
TRACES = [
    *((f"idlib-trace-seed1-r{r}.json", IDLIB, 1, r) for r in (0, 1, 7, 14, 180)),
    ("two-actor-trace-seed1-r0.json", TWO_ACTOR, 1, 0),
    ("two-actor-trace-seed1-r3.json", TWO_ACTOR, 1, 3),
]


def run_rows(scenario: Path, seed: int, runs: int) -> bytes:
    """The CSV rows that ``truce run`` writes, in replication order."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "rows.csv"
        result = invoke(
            "run", scenario, "--runs", runs, "--seed", seed, "--jobs", 1, "--quiet", "--output", out
        )
        assert result.exit_code == 0, result.output
        return out.read_bytes()


def trace_json(scenario: Path, seed: int, replication: int) -> bytes:
    result = invoke(
        "trace", scenario, "--seed", seed, "--replication", replication, "--format", "json"
    )
    assert result.exit_code == 0, result.output
    return result.output.encode()


def outputs() -> dict[str, bytes]:
    made = {name: run_rows(s, seed, runs) for name, s, seed, runs in RUNS}
    made.update({name: trace_json(s, seed, r) for name, s, seed, r in TRACES})
    return made


def main() -> None:
    FOLDER.mkdir(exist_ok=True)
    for name, data in outputs().items():
        (FOLDER / name).write_bytes(data)
        print(f"wrote {FOLDER / name}")


if __name__ == "__main__":
    main()
