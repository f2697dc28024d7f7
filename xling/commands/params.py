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


class Group(click.Group):
    """A command group whose --help gives each subcommand's whole one-line summary instead of cutting it with "..."."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The Commands section: name and first sentence of every visible subcommand, wrapped, never cut."""
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _switch_progress_off(ctx: click.Context, param: click.Parameter, quiet: bool) -> bool:
    """With -q, no layer draws progress until the command ends (then the previous setting is back)."""
    if quiet:
        from translate.progress import set_progress

        previous = set_progress(False)
        ctx.call_on_close(lambda: set_progress(previous))
    return quiet


def quiet_option(command):  # noqa: ANN001, ANN201 - a click decorator
    """The -q/--quiet flag every command that reports progress takes (one spelling and one meaning for all)."""
    return click.option("-q", "--quiet", is_flag=True, callback=_switch_progress_off, expose_value=True,
                        help="No progress bars or progress notes on stderr (results, warnings and errors still "
                             "print).")(command)


def source_lang_option(help_text: str):  # noqa: ANN201 - a click decorator
    """The -s/--source-lang option: the language of the input document(s), as an ISO 639-1 code or a name."""
    return click.option("-s", "--source-lang", default=None, metavar="LANG", help=help_text)
