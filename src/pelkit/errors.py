"""Errors that mean "the user's input is wrong" (as opposed to a bug).

The CLI turns an :class:`InputError` into one line on stderr and exit status 2.
"""


class InputError(ValueError):
    """Bad user input: wrong shape, non-finite value, unknown model, unreadable file, ..."""
