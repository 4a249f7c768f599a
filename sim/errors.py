"""The errors the project raises: bad input, failed runs and outputs, interrupts."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad input (a scenario file, an option, an output path): names where it came
    from, the key path and what was expected.

    ``origin`` is a file name, or the command-line option that supplied the value.
    ``str(error)`` is the single line the command line prints.
    """

    def __init__(self, origin: str, path: str, expected: str) -> None:
        self.origin = origin
        self.path = path
        self.expected = expected
        super().__init__(f"{origin}: {path}: {expected}" if path else f"{origin}: {expected}")


class RunFailed(Exception):
    """A run that cannot give results: every replication it ran so far failed. The
    command line prints its message in one line and exits with status 1."""


class OutputFailed(RunFailed):
    """Writing a run's results failed (a full or read-only disk) after work began;
    what finished before is kept. Exit status 1."""


class TruceWarning(UserWarning):
    """Something the user should know that does not stop the work (the command line
    prints it as a ``warning:`` line)."""


class CalibrationInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a calibration; ``kept`` sampling tasks are kept in ``directory``
    for the same command to resume from."""

    def __init__(self, kept: int, directory: Path) -> None:
        super().__init__(f"interrupted; {kept} particles' simulations kept in {directory}")
        self.kept = kept
        self.directory = directory
