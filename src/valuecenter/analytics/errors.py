"""Errors of the analytics core."""


class InputError(ValueError):
    """Input data an analytics function cannot work with; the message names the column."""
