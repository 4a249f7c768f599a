"""`truce run --posterior`: each replication runs at its own draw from a calibration's
posterior, the draw fixed by the seed and the replication alone."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import stats

from sim import api
from sim.errors import InputError
from sim.experiments.draws import Draws
from sim.scenario.load import read_toml
from tests.conftest import TWO_ACTOR, invoke

B = "actors.b.retaliation.probability"


def posterior(folder: Path, values: list[float], weights: list[float]) -> Path:
    """A posterior folder as `truce calibrate` writes it, with the given sample."""
    folder.mkdir(parents=True)
    pq.write_table(pa.table({B: values, "weight": weights}), folder / "posterior.parquet")
    summary = {"parameters": [{"path": B, "whole": False}]}
    (folder / "calibration.json").write_text(json.dumps(summary))
    return folder


def test_each_replication_takes_its_own_draw_with_the_weights_as_chances(
    tmp_path: Path,
) -> None:
    """Rows drawn for 4,000 replications follow the weights (a chi-square test at
    0.001), and the draw depends on the seed and the replication alone."""
    draws = Draws.open(
        posterior(tmp_path / "p", [0.2, 0.5, 0.8], [0.2, 0.3, 0.5]),
        read_toml(TWO_ACTOR),
        str(TWO_ACTOR),
        (),
    )
    rows = [draws.row(1, r) for r in range(4000)]
    counts = np.bincount(rows, minlength=3)
    assert stats.chisquare(counts, [800, 1200, 2000]).pvalue > 0.001
    assert [draws.row(1, r) for r in (0, 1, 2, 3)] == rows[:4]
    assert [draws.row(2, r) for r in range(20)] != rows[:20]


def test_a_run_over_a_posterior_mixes_the_drawn_scenarios(tmp_path: Path) -> None:
    """`b` answers with probability 0.2 or 0.8, half and half (`a` with 0.6): a cycle
    of one strike has chance 0.5 * 0.8 + 0.5 * 0.2 = 0.5, and the mean number of
    strikes, (1 + p) / (1 - 0.6 p) at each draw p, is 0.5 * (1.3636 + 3.4615) = 2.4126,
    not the 2.1429 of the fixed middle value (z-tests on 3,000 replications with the
    sample's standard errors, |z| < 3.29)."""
    folder = posterior(tmp_path / "p", [0.2, 0.8], [0.5, 0.5])
    found = api.run(TWO_ACTOR, runs=3000, seed=4, posterior=folder, jobs=1)
    strikes = np.asarray(found.values("strikes"), dtype=float)
    single = float(np.mean(strikes == 1))
    assert abs(single - 0.5) / math.sqrt(0.25 / 3000) < 3.29
    mean_sd = float(np.std(strikes)) / math.sqrt(3000)
    expected = 0.5 * (1.2 / 0.88 + 1.8 / 0.52)
    assert abs(float(np.mean(strikes)) - expected) / mean_sd < 3.29


def test_posterior_runs_never_depend_on_the_workers(tmp_path: Path) -> None:
    folder = posterior(tmp_path / "p", [0.2, 0.8], [0.5, 0.5])
    one = api.run(TWO_ACTOR, runs=200, seed=4, posterior=folder, jobs=1)
    two = api.run(TWO_ACTOR, runs=200, seed=4, posterior=folder, jobs=2, chunk=7)
    plain = api.run(TWO_ACTOR, runs=200, seed=4, jobs=1)
    assert one.values("strikes") == two.values("strikes")
    assert one.values("strikes") != plain.values("strikes")


def test_run_posterior_from_the_command_line(tmp_path: Path) -> None:
    folder = posterior(tmp_path / "p", [0.2, 0.8], [0.5, 0.5])
    args = ["run", TWO_ACTOR, "--runs", 300, "--jobs", 1, "--posterior", folder]
    result = invoke(*args, "--output", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "strikes" in result.output
    other = posterior(tmp_path / "q", [0.3, 0.7], [0.5, 0.5])
    again = invoke(*args[:-1], other, "--output", tmp_path / "out")
    assert again.exit_code == 2, again.output
    assert "holds results of another" in again.output
    missing = invoke(*args[:-1], tmp_path, "--output", tmp_path / "x")
    assert missing.exit_code == 2
    assert missing.output.strip() == (
        f"error: --posterior: {tmp_path}: expected a folder `truce calibrate` wrote"
    )


def test_a_posterior_path_the_scenario_lacks_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    path = "actors.c.retaliation.probability"
    pq.write_table(pa.table({path: [0.5], "weight": [1.0]}), folder / "posterior.parquet")
    (folder / "calibration.json").write_text(json.dumps({"parameters": [{"path": path}]}))
    with pytest.raises(InputError, match=r"actors\.c"):
        api.run(TWO_ACTOR, runs=10, posterior=folder, jobs=1)


def test_a_posterior_run_resumed_without_its_posterior_is_refused(tmp_path: Path) -> None:
    folder = posterior(tmp_path / "p", [0.2, 0.8], [0.5, 0.5])
    api.run(TWO_ACTOR, runs=20, posterior=folder, jobs=1, output=tmp_path / "out")
    with pytest.raises(InputError) as caught:
        api.run(TWO_ACTOR, runs=40, jobs=1, output=tmp_path / "out")
    assert str(caught.value) == (
        f"--posterior: missing: {tmp_path / 'out'} holds replications run over the "
        f"posterior in {folder}; resume with the same --posterior"
    )


@pytest.mark.parametrize("damage", ["parquet", "json", "empty json"])
def test_a_damaged_posterior_gets_one_line(tmp_path: Path, damage: str) -> None:
    folder = posterior(tmp_path / "p", [0.2, 0.8], [0.5, 0.5])
    if damage == "parquet":
        (folder / "posterior.parquet").write_bytes(b"not parquet")
    else:
        (folder / "calibration.json").write_text("{" if damage == "json" else "{}")
    result = invoke("run", TWO_ACTOR, "--runs", 10, "--posterior", folder)
    assert result.exit_code == 2
    assert result.output.strip().startswith(
        f"error: --posterior: {folder}: cannot be read as a calibration's posterior"
    )


def test_a_run_without_the_calibrations_settings_is_warned(tmp_path: Path) -> None:
    folder = posterior(tmp_path / "p", [0.2, 0.8], [0.5, 0.5])
    summary = {
        "parameters": [{"path": B, "whole": False}],
        "converged": False,
        "settings": {"overrides": [["scenario.horizon", 30]]},
    }
    (folder / "calibration.json").write_text(json.dumps(summary))
    with pytest.warns(UserWarning) as caught:
        api.run(TWO_ACTOR, runs=5, posterior=folder, jobs=1)
    texts = [str(w.message) for w in caught]
    assert any("was run with --set scenario.horizon=30" in t for t in texts)
    assert any("not yet the posterior" in t for t in texts)
