"""The tool's one exception hierarchy, caught once at the CLI edge.

Every message says what happened, where (path, line) and what to try next.
"""


class DedupeError(Exception):
    """Base of every error the tool reports to a user without a traceback."""

    exit_code = 1


class UsageError(DedupeError):
    """The command line or a setting asks for something impossible (exit 2)."""

    exit_code = 2


class InputError(DedupeError):
    """An input could not be read or decoded; other inputs are still processed."""

    exit_code = 1


class StoreError(DedupeError):
    """A persistent index is missing, damaged, or was built with other parameters."""

    exit_code = 1
