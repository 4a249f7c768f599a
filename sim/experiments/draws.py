"""Parameter draws from a calibration's posterior, one per replication, so that a
run's outcomes carry the parameters' uncertainty as well as the model's chance.

Replication ``r`` of seed ``s`` takes the posterior row chosen by a uniform from
``SeedSequence(s, spawn_key=(r, 0, owner_key("posterior")))``, the weights as
probabilities. Concept 0 is no stream of the model's (see ``sim.model.streams``), so
the draw shifts none of the replication's own draws, and it depends on the seed and
the replication alone: never on the chunk or the worker that runs it.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.experiments.designs import point_scenario
from sim.model.seeding import owner_key
from sim.optional import require
from sim.scenario import Override
from sim.scenario.spec import Scenario

OWNER = owner_key("posterior")
POSTERIOR = "posterior.parquet"  # the files of a calibration's folder
SUMMARY = "calibration.json"


class Draws:
    """A weighted sample of parameter points (``paths`` by ``values`` rows), applied
    over a scenario's raw data and base overrides. Scenarios are built once per row
    drawn, in the process that runs them."""

    def __init__(
        self,
        raw: Mapping[str, Any],
        origin: str,
        base: Sequence[Override],
        paths: Sequence[str],
        values: np.ndarray[Any, Any],
        weights: np.ndarray[Any, Any],
        whole: Sequence[bool],
        source: str,
    ) -> None:
        self.raw, self.origin, self.base = raw, origin, tuple(base)
        self.paths, self.whole, self.source = tuple(paths), tuple(whole), source
        self.values = np.asarray(values, dtype=float)
        self.cumulative = np.cumsum(np.asarray(weights, dtype=float))
        self.cumulative /= self.cumulative[-1]
        self._built: dict[int, Scenario] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_built": {}}  # scenarios are rebuilt where they run

    @classmethod
    def open(
        cls, directory: str | Path, raw: Mapping[str, Any], origin: str, base: Sequence[Override]
    ) -> Draws:
        """The posterior a calibration wrote to ``directory``, to apply over a scenario;
        every fitted path must be one of the scenario's."""
        folder = Path(directory)
        if not (folder / SUMMARY).is_file() or not (folder / POSTERIOR).is_file():
            raise InputError(
                "--posterior", str(directory), "expected a folder `truce calibrate` wrote"
            )
        require("pyarrow", "--posterior", str(directory), "the posterior file")
        parquet = require("pyarrow.parquet", "--posterior", str(directory), "the posterior file")
        try:
            table = parquet.read_table(folder / POSTERIOR)
            summary = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
            whole = {p["path"]: bool(p.get("whole", False)) for p in summary["parameters"]}
            paths = [name for name in table.column_names if name != "weight"]
            values = np.column_stack([table.column(p).to_numpy() for p in paths]).astype(float)
            weights = table.column("weight").to_numpy().astype(float)
        except Exception as error:  # a damaged or foreign file, whatever the reader says
            raise InputError(
                "--posterior",
                str(directory),
                f"cannot be read as a calibration's posterior ({type(error).__name__})",
            ) from None
        if not paths or not len(weights) or not np.all(np.isfinite(weights)) or weights.sum() <= 0:
            raise InputError(
                "--posterior", str(directory), "expected a posterior sample with positive weights"
            )
        draws = cls(
            raw,
            origin,
            base,
            paths,
            values,
            weights,
            [whole.get(p, False) for p in paths],
            str(directory),
        )
        try:
            draws.scenario(0)  # every path is the scenario's, and the values are valid
        except InputError as error:
            raise InputError(
                "--posterior", str(directory), f"{error.path}: {error.expected}"
            ) from None
        given = {o.path: o.value for o in base}
        differ = [
            f"{path}={value}"
            for path, value in summary.get("settings", {}).get("overrides", [])
            if given.get(path) != value
        ]
        if differ:
            warnings.warn(
                f"the calibration in {directory} was run with --set {', '.join(differ)}, "
                "and this run is not: its posterior is applied to another scenario",
                stacklevel=2,
            )
        if summary.get("converged") is False:
            warnings.warn(
                f"the calibration in {directory} stopped before its temperature reached 1: "
                "its sample is not yet the posterior",
                stacklevel=2,
            )
        return draws

    def row(self, seed: int, replication: int) -> int:
        """The posterior row replication ``replication`` of ``seed`` takes."""
        sequence = np.random.SeedSequence(seed, spawn_key=(replication, 0, OWNER))
        uniform = float(np.random.Generator(np.random.PCG64(sequence)).random())
        return int(np.searchsorted(self.cumulative, uniform, side="right"))

    def point(self, row: int) -> dict[str, float]:
        return {
            path: (round(v) if whole else float(v))
            for path, v, whole in zip(self.paths, self.values[row], self.whole, strict=True)
        }

    def scenario(self, row: int) -> Scenario:
        found = self._built.get(row)
        if found is None:
            found = self._built[row] = point_scenario(
                self.raw, self.origin, self.base, self.point(row)
            )
        return found

    def at(self, seed: int, replication: int) -> Scenario:
        """The scenario replication ``replication`` of ``seed`` runs."""
        return self.scenario(self.row(seed, replication))

    def describe(self) -> dict[str, Any]:
        """What identifies the draws in a results directory's manifest."""
        digest = hashlib.sha256(self.values.tobytes() + self.cumulative.tobytes()).hexdigest()
        return {"source": self.source, "paths": list(self.paths), "digest": digest}
