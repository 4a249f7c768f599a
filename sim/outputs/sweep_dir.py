"""A sweep directory: the design, a results directory per point, and the tidy summary.

Layout::

    DIR/_sweep.json           the design: base scenario, factors, points, seed, runs
    DIR/points/0000/          a results directory per point; its rows carry the
                              point's index and parameter values in columns named
                              by their paths
    DIR/summary.csv, .json    one row per point and metric
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.outputs.locks import DirectoryLock
from sim.outputs.manifests import (
    begin_invocation,
    create_or_resume,
    now,
    read_manifest,
    remove_temporary_files,
    write_atomically,
    write_json,
)
from sim.outputs.results_dir import ResultsDir

FORMAT = "truce-sweep/1"
MANIFEST = "_sweep.json"
LEGACY_MANIFEST = "sweep.json"  # its name before metadata files began with _
KIND = "sweep"
SHAPE = {  # what readers rely on
    "factors": list,
    "points": list,
    "metrics": list,
    "runs": int,
    "seed": int,
    "invocations": list,
}


class SweepDir:
    """A sweep directory being written or read."""

    def __init__(self, path: Path, manifest: dict[str, Any]) -> None:
        self.path = path
        self.manifest = manifest
        self.lock: DirectoryLock | None = None  # held while a sweep writes it

    @classmethod
    def create_or_resume(
        cls,
        path: str | Path,
        design: dict[str, Any],
        scenario_file: str,
        runs: int,
        metrics: Sequence[str],
        command: Sequence[str],
        daily: bool = True,
    ) -> SweepDir:
        """Open ``path`` for a sweep: created, or resumed if it holds the same
        ``design`` (base scenario, factors, design, points, seed). ``daily``: whether
        its points keep daily series (see ``kept_daily``)."""
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise InputError("--output", str(path), f"is a file, not a {KIND} directory")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError("--output", str(path), f"cannot be made ({error.strerror})") from None
        lock = DirectoryLock(path, command).acquire()
        try:
            manifest = create_or_resume(
                path,
                MANIFEST,
                FORMAT,
                KIND,
                identity=design,
                another="another sweep (scenario, design or seed)",
                fresh={"scenario_file": scenario_file, "daily": daily},
                legacy=LEGACY_MANIFEST,
                shape=SHAPE,
            )
            manifest.update(runs=runs, metrics=list(metrics))
            manifest.setdefault("daily", daily)  # a sweep made before the setting was kept
            begin_invocation(manifest, command, outcome="interrupted")
            sweep = cls(path, manifest)
            sweep.lock = lock
            sweep.write_manifest()
        except BaseException:
            lock.release()
            raise
        (path / LEGACY_MANIFEST).unlink(missing_ok=True)
        remove_temporary_files(path)
        return sweep

    @staticmethod
    def kept_daily(path: str | Path) -> bool | None:
        """Whether the sweep at ``path`` keeps daily series; None for a new sweep, or
        one whose manifest cannot say (it is read, and checked, when opened)."""
        try:
            found = json.loads((Path(path) / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        kept = found.get("daily") if isinstance(found, dict) else None
        return kept if isinstance(kept, bool) else None

    @classmethod
    def open(cls, path: str | Path, option: str = "DIR") -> SweepDir:
        path = Path(path)
        manifest = read_manifest(path, MANIFEST, FORMAT, KIND, option, LEGACY_MANIFEST, SHAPE)
        factors, points = manifest["factors"], manifest["points"]
        if not all(isinstance(f, dict) and isinstance(f.get("path"), str) for f in factors) or (
            not all(isinstance(p, dict) for p in points)
            or not all(isinstance(m, str) for m in manifest["metrics"])
        ):
            raise InputError(
                option,
                str(path / MANIFEST),
                "its factors, points or metrics are not as a sweep writes them "
                "(the manifest was edited or damaged)",
            )
        return cls(path, manifest)

    @staticmethod
    def holds(path: str | Path) -> bool:
        """Whether ``path`` looks like a sweep directory."""
        return any((Path(path) / name).is_file() for name in (MANIFEST, LEGACY_MANIFEST))

    @property
    def paths(self) -> list[str]:
        """The varied parameters' paths."""
        return [f["path"] for f in self.manifest["factors"]]

    @property
    def points(self) -> list[dict[str, Any]]:
        return list(self.manifest["points"])

    @property
    def metrics(self) -> list[str]:
        return list(self.manifest["metrics"])

    def point_path(self, index: int) -> Path:
        return self.path / "points" / f"{index:04d}"

    def point(self, index: int) -> ResultsDir | None:
        """Point ``index``'s results, if it has started."""
        folder = self.point_path(index)
        return ResultsDir.open(folder) if ResultsDir.holds(folder) else None

    def finish(self, outcome: str) -> None:
        """Record how the sweep ended, and let another run write the directory."""
        run = self.manifest["invocations"][-1]
        run.update(outcome=outcome, finished=now())
        try:
            self.write_manifest()
        finally:
            if self.lock is not None:
                self.lock.release()
                self.lock = None

    def write_manifest(self) -> None:
        write_json(self.path / MANIFEST, self.manifest)

    def write_summary(self, rows: list[dict[str, Any]]) -> None:
        """The tidy rows as summary.json (a value that does not exist, NaN, as null)
        and summary.csv."""
        write_json(self.path / "summary.json", [_finite(row) for row in rows])
        text = io.StringIO()
        if rows:
            writer = csv.DictWriter(text, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        write_atomically(self.path / "summary.csv", text.getvalue().encode())


def _finite(row: dict[str, Any]) -> dict[str, Any]:
    """JSON has no NaN: an estimate from no replications is null."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
