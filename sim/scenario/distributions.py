"""Validated distributions of positive quantities (days, intensities, people).

Each knows its analytic mean and variance, so one generic test checks them all against
samples. Scenario files write them as a plain number (fixed) or as an inline table, e.g.
``{ distribution = "gamma", mean = 1.0, cv = 0.5 }``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

# Each distribution pickles by its constructor's arguments (``__reduce__``): compiled
# (see sim.compiled), a frozen dataclass cannot be restored field by field, and a
# scenario's distributions travel to the workers.


class Draws(Protocol):
    """Standard random draws (the model's streams give them)."""

    def uniform(self) -> float: ...

    def exponential(self) -> float: ...

    def normal(self) -> float: ...

    def gamma(self, shape: float) -> float: ...


class Distribution(Protocol):
    @property
    def mean(self) -> float: ...

    @property
    def variance(self) -> float: ...

    def sample(self, stream: Draws) -> float: ...

    def describe(self) -> dict[str, float | str]: ...


@dataclass(frozen=True, slots=True)
class Fixed:
    """Always ``value``."""

    value: float

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def sample(self, stream: Draws) -> float:
        return self.value

    def describe(self) -> dict[str, float | str]:
        return {"distribution": "fixed", "value": self.value}

    def __reduce__(self) -> tuple[type[Fixed], tuple[float, ...]]:
        return Fixed, (self.value,)  # by the constructor: see the module's note


@dataclass(frozen=True, slots=True)
class Exponential:
    """Exponential with the given mean (memoryless: a Poisson process's gaps)."""

    mean: float

    @property
    def variance(self) -> float:
        return self.mean * self.mean

    def sample(self, stream: Draws) -> float:
        return self.mean * stream.exponential()

    def describe(self) -> dict[str, float | str]:
        return {"distribution": "exponential", "mean": self.mean}

    def __reduce__(self) -> tuple[type[Exponential], tuple[float, ...]]:
        return Exponential, (self.mean,)  # by the constructor: see the module's note


@dataclass(frozen=True, slots=True)
class Gamma:
    """Gamma with the given mean and coefficient of variation (cv = sd / mean)."""

    mean: float
    cv: float
    shape: float = field(init=False, repr=False, compare=False)
    scale: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", 1.0 / (self.cv * self.cv))
        object.__setattr__(self, "scale", self.mean * self.cv * self.cv)

    @property
    def variance(self) -> float:
        return (self.mean * self.cv) ** 2

    def sample(self, stream: Draws) -> float:
        return self.scale * stream.gamma(self.shape)

    def describe(self) -> dict[str, float | str]:
        return {"distribution": "gamma", "mean": self.mean, "cv": self.cv}

    def __reduce__(self) -> tuple[type[Gamma], tuple[float, ...]]:
        return Gamma, (self.mean, self.cv)  # by the constructor: see the module's note


@dataclass(frozen=True, slots=True)
class LogNormal:
    """Log-normal with the given mean and coefficient of variation."""

    mean: float
    cv: float
    sigma: float = field(init=False, repr=False, compare=False)
    mu: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sigma = math.sqrt(math.log1p(self.cv * self.cv))
        object.__setattr__(self, "sigma", sigma)
        object.__setattr__(self, "mu", math.log(self.mean) - 0.5 * sigma * sigma)

    @property
    def variance(self) -> float:
        return (self.mean * self.cv) ** 2

    def sample(self, stream: Draws) -> float:
        return math.exp(self.mu + self.sigma * stream.normal())

    def describe(self) -> dict[str, float | str]:
        return {"distribution": "lognormal", "mean": self.mean, "cv": self.cv}

    def __reduce__(self) -> tuple[type[LogNormal], tuple[float, ...]]:
        return LogNormal, (self.mean, self.cv)  # by the constructor: see the module's note


@dataclass(frozen=True, slots=True)
class Uniform:
    """Uniform between ``low`` and ``high``."""

    low: float
    high: float

    @property
    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12.0

    def sample(self, stream: Draws) -> float:
        return self.low + (self.high - self.low) * stream.uniform()

    def describe(self) -> dict[str, float | str]:
        return {"distribution": "uniform", "low": self.low, "high": self.high}

    def __reduce__(self) -> tuple[type[Uniform], tuple[float, ...]]:
        return Uniform, (self.low, self.high)  # by the constructor: see the module's note


KINDS: dict[str, tuple[str, ...]] = {
    "fixed": ("value",),
    "exponential": ("mean",),
    "gamma": ("mean", "cv"),
    "lognormal": ("mean", "cv"),
    "uniform": ("low", "high"),
}
