"""The tests behind compare, on samples whose truth is known: under no difference they
flag at most their nominal share (calibrated or conservative), and they see a real
difference. Each check allows four binomial standard errors over 1,000 comparisons."""

from __future__ import annotations

import math

import numpy as np

from sim.statistics.comparisons import _paired_test, _unpaired_test

TRIALS = 1000
ALPHA = 0.05
SLACK = 4 * math.sqrt(ALPHA * (1 - ALPHA) / TRIALS)


def flagged(pairs: list[tuple[np.ndarray, np.ndarray]], paired: bool, kind: type) -> float:
    test = _paired_test if paired else _unpaired_test
    return sum(test(a, b, kind)[0] < ALPHA for a, b in pairs) / len(pairs)


def test_a_paired_t_test_under_common_random_numbers_is_calibrated_and_sees_an_effect() -> None:
    """Counts drawn under a shared seed: most paired differences are exactly zero, a few
    are not (as in compare). With no effect, the changes are symmetric; with one, a few
    replications gain a strike."""
    rng = np.random.default_rng(1)

    def pair(shift: float) -> tuple[np.ndarray, np.ndarray]:
        a = rng.poisson(5.0, 300).astype(float)
        changed = rng.random(300) < 0.05
        noise = rng.choice([-1.0, 1.0], 300) + shift
        return a, a + np.where(changed, noise, 0.0)

    null = [pair(0.0) for _ in range(TRIALS)]
    assert flagged(null, True, int) <= ALPHA + SLACK
    effect = [pair(1.0) for _ in range(200)]
    assert flagged(effect, True, int) > 0.9


def test_mcnemar_on_paired_true_false_outcomes_is_calibrated() -> None:
    rng = np.random.default_rng(2)

    def pair() -> tuple[np.ndarray, np.ndarray]:
        # both true 18%, both false 78%, and the two discordant kinds 2% each: the null
        cell = rng.choice(4, 300, p=[0.18, 0.78, 0.02, 0.02])
        return np.isin(cell, [0, 2]).astype(float), np.isin(cell, [0, 3]).astype(float)

    assert flagged([pair() for _ in range(TRIALS)], True, bool) <= ALPHA + SLACK


def test_welch_and_fisher_on_independent_samples_are_calibrated() -> None:
    rng = np.random.default_rng(3)
    numbers = [(rng.gamma(0.5, 40.0, 200), rng.gamma(0.5, 40.0, 200)) for _ in range(TRIALS)]
    assert flagged(numbers, False, float) <= ALPHA + SLACK
    shifted = [(rng.gamma(0.5, 40.0, 200), rng.gamma(0.5, 40.0, 200) + 15) for _ in range(200)]
    assert flagged(shifted, False, float) > 0.9
    booleans = [
        ((rng.random(300) < 0.2).astype(float), (rng.random(300) < 0.2).astype(float))
        for _ in range(TRIALS)
    ]
    assert flagged(booleans, False, bool) <= ALPHA + SLACK
