"""The one error type that bad input raises."""


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
