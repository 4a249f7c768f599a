"""The HTML report: what it says matches the results, it is self-contained and the same
bytes each time, and a real browser renders it (headless Chromium)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.outputs.results import Results
from tests.conftest import IDLIB, invoke

RUNS, SEED = 200, 11


@pytest.fixture(scope="module")
def idlib(tmp_path_factory: pytest.TempPathFactory) -> Results:
    out = tmp_path_factory.mktemp("report") / "idlib"
    return sim.run(IDLIB, runs=RUNS, seed=SEED, jobs=1, output=out)


@pytest.fixture(scope="module")
def report(idlib: Results, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("html") / "report.html"
    result = invoke("report", idlib.directory, "-o", target)
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {target}\n"
    return target


def test_the_report_says_what_was_run_and_the_key_figures(idlib: Results, report: Path) -> None:
    html = report.read_text()
    assert "<title>Idlib, October 2020: a run of 200 replications</title>" in html
    assert "<th>seed</th><td>11</td>" in html
    collapsed = idlib.summary()["truce"]["collapsed"]
    shown = f"{collapsed['value']:.3f} [{collapsed['low']:.3f}, {collapsed['high']:.3f}]"
    assert f'<td>P(truce collapsed by day 60)</td><td class="num">{shown}</td>' in html
    for heading in (
        "Key figures",
        "How it unfolds, day by day",
        "Escalation ladder",
        "Representative replications",
        "The scenario's parameters",
    ):
        assert f">{heading}</h2>" in html, heading
    cases = re.findall(
        r"<h3>(The median replication|A collapse|The deadliest replication): replication (\d+)</h3>",
        html,
    )
    assert [c[0] for c in cases] == [
        "The median replication",
        "A collapse",
        "The deadliest replication",
    ]
    deaths = idlib.to_pandas().set_index("replication")["deaths"]
    assert deaths[int(cases[2][1])] == deaths.max()
    assert deaths[int(cases[0][1])] == deaths.sort_values(kind="stable").iloc[(RUNS - 1) // 2]


def test_every_parameter_carries_the_note_its_scenario_file_gives(report: Path) -> None:
    html = report.read_text()
    assert (
        '<td><code>scenario.horizon</code></td><td class="value">60</td><td class="note-assumption">'
        "ASSUMPTION: the analysts&#39; question is collapse within 60 days</td>"
    ) in html
    assert (
        '<td><code>scenario.start_date</code></td><td class="value">2020-10-26</td><td class="note-fact">FACT:'
        in html
    )
    # a value inside an inline table takes the note of its line
    assert re.search(
        r"<code>actors\.russia\.routine\.intensity\.mean</code></td><td class=\"value\">[^<]+</td><td class=\"note-assumption\">ASSUMPTION",
        html,
    )


def test_the_report_is_self_contained_and_the_same_bytes_each_time(
    idlib: Results, report: Path, tmp_path: Path
) -> None:
    html = report.read_text()
    sources = re.findall(r'src="([^"]*)"', html)
    assert len(sources) >= 8 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "http://" not in html and "https://" not in html and "<script" not in html
    again = sim.report(idlib, output=tmp_path / "again.html")
    assert again.read_bytes() == report.read_bytes()
    assert oct(again.stat().st_mode & 0o777) != oct(0o600)  # readable by whoever it is handed to


def test_a_sweep_and_a_comparison_have_reports(tmp_path: Path, idlib: Results) -> None:
    out = tmp_path / "sweep"
    sim.sweep(
        IDLIB, vary=["actors.nfl.retaliation.probability=0.2,0.8"], runs=40, jobs=1, output=out
    )
    result = invoke("report", out, "-o", tmp_path / "sweep.html")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "sweep.html").read_text()
    assert "<title>Idlib, October 2020: a sweep of 2 points</title>" in html
    rows = sim.open_results(out).summary()
    assert html.count("<tr><td>0</td>") + html.count("<tr><td>1</td>") == len(rows)
    assert '<th class="num">actors.nfl.retaliation.probability</th>' in html
    other = sim.run(
        IDLIB,
        runs=RUNS,
        seed=SEED,
        jobs=1,
        output=tmp_path / "b",
        overrides={"actors.nfl.retaliation.probability": 0.8},
    )
    compared = invoke("report", idlib.directory, other.directory, "-o", tmp_path / "ab.html")
    assert compared.exit_code == 0, compared.output
    html = (tmp_path / "ab.html").read_text()
    assert "<title>Idlib, October 2020: two runs compared</title>" in html
    divergence = sim.compare(idlib, other).divergence
    assert divergence is not None
    said = (
        f"differ from day {divergence.first_day} on"
        if divergence.to_the_end
        else f"first differ on day {divergence.first_day}"
        if divergence.first_day is not None
        else "differs beyond noise"
    )
    assert said in html
    assert "<td>actors.nfl.retaliation.probability</td>" in html


@pytest.mark.parametrize(
    ("name", "message"),
    [("report.pdf", "expected an .html file"), ("missing/report.html", "does not exist")],
)
def test_a_report_that_cannot_be_written_gets_one_line(
    idlib: Results, tmp_path: Path, name: str, message: str
) -> None:
    result = invoke("report", idlib.directory, "-o", tmp_path / name)
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and message in result.output


def _chromium() -> str | None:
    return next(
        (
            found
            for name in ("chromium", "chromium-browser", "google-chrome")
            if (found := shutil.which(name))
        ),
        None,
    )


@pytest.mark.skipif(_chromium() is None, reason="no Chromium installed here (.ci/run installs it)")
def test_headless_chromium_renders_the_report(report: Path, tmp_path: Path) -> None:
    from matplotlib.image import imread

    browser = _chromium()
    assert browser is not None
    flags = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--window-size=1280,2400",
    ]
    shot = tmp_path / "report.png"
    subprocess.run(
        [*flags, f"--screenshot={shot}", report.as_uri()],
        check=True,
        timeout=120,
        capture_output=True,
    )
    dom = subprocess.run(
        [*flags, "--dump-dom", report.as_uri()],
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    ).stdout
    assert '<h1 id="title">Idlib, October 2020: a run of 200 replications</h1>' in dom
    pixels = imread(shot)[:, :, :3]
    assert pixels.shape[:2] == (2400, 1280)
    assert pixels.std() > 0.1  # not blank
    # the title's dark text near the top
    assert (pixels[:150].sum(axis=2) < 0.6).sum() > 500
    # the first pictures drawn: matplotlib's blue (#1f77b4) shows the PNGs were decoded
    blue = np.abs(pixels - np.array([0x1F, 0x77, 0xB4]) / 255).sum(axis=2) < 0.08
    assert blue.sum() > 300
