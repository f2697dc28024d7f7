"""Click parameter types shared by the commands."""

from __future__ import annotations

import click

from translate.errors import InputError


class FiniteFloat(click.FloatRange):
    """A float option that refuses nan and inf, and values outside [min, max] when they are given.

    click.FloatRange lets nan through (nan compares false with every bound), so every float option of xling
    uses this type; tests/robustness/test_names_and_options.py fails on a float option that does not.
    """

    name = "float"

    def convert(self, value, param, ctx):  # noqa: ANN001, ANN201 - click's signature
        """The parsed float, refused with click's usage error when it is nan, inf or out of bounds."""
        from align.numerics import check_number

        number = click.types.FloatParamType.convert(self, value, param, ctx)  # parse only; the bounds come next
        try:
            check_number(number, "value", self.min, self.max)
        except InputError as exc:
            self.fail(str(exc).removeprefix("The value "), param, ctx)
        return number


# A calibrated score: every threshold option takes one.
SCORE = FiniteFloat(0.0, 1.0)
