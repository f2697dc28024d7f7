"""Errors a user can cause, each carrying the exit code the CLI should use."""


class XlingError(Exception):
    """A failure explained in one sentence to the user; exit code 1 (runtime)."""

    exit_code = 1


class InputError(XlingError):
    """Bad input or usage (unreadable file, unknown language, bad option); exit code 2."""

    exit_code = 2


class ModelNotFoundError(XlingError):
    """Model weights are neither local nor downloadable; the message says how to get them."""

    exit_code = 1


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when the message is empty)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
