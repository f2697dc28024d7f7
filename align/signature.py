"""Reproducibility signatures of scorers, the parallel aligner and the claim matcher (after sacrebleu's `Signature`).

A signature names every setting that changes a result, plus xling's version, so that a figure in a run record can
be traced to the code and options that produced it. It has a long form (`format()`), a compact form
(`format(short=True)`) and a plain-dict form (`as_dict()`) for JSON run records. A setting may itself be a
signature (the aligner holds its scorer's, the hybrid scorer its two parts'); the version is written once, at the
top.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

# `align` sits below the `xling` package and must not import it, so the version comes from the installed metadata.
_PACKAGE = "xling"


@lru_cache(maxsize=1)
def xling_version() -> str:
    """The installed xling's version, or "unknown" when running from a tree that was never installed."""
    try:
        return version(_PACKAGE)
    except PackageNotFoundError:
        return "unknown"


class Signature:
    """The settings that change a result, by name, with short names for the compact form and xling's version."""

    def __init__(self, kind: str, settings: Mapping[str, object], short: Mapping[str, str] | None = None) -> None:
        self.kind = kind
        self.settings = dict(settings)
        self.short_names = dict(short or {})
        self.version = xling_version()

    def format(self, short: bool = False) -> str:
        """`kind|name:value|...|version:V`; short names and `v:` with `short=True`; nested signatures in [...]."""
        return "|".join([self._body(short), f"{'v' if short else 'version'}:{self.version}"])

    def _body(self, short: bool) -> str:
        """The kind and the settings, without the version (a nested signature shares its holder's)."""
        fields = [self.kind]
        for name, value in self.settings.items():
            if value is None:
                continue
            key = self.short_names.get(name, name) if short else name
            fields.append(f"{key}:{_formatted(value, short)}")
        return "|".join(fields)

    def as_dict(self) -> dict:
        """A JSON-serialisable dict: `kind`, the settings (nested signatures as dicts) and `version`."""
        return {"kind": self.kind, **{k: _plain(v) for k, v in self.settings.items() if v is not None},
                "version": self.version}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Signature) and self.as_dict() == other.as_dict()

    def __hash__(self) -> int:
        return hash(self.format())

    def __str__(self) -> str:
        return self.format()

    def __repr__(self) -> str:
        return f"Signature({self.format(short=True)!r})"


def _formatted(value: object, short: bool) -> str:
    """One setting as text: yes/no for booleans, comma-joined sequences, [..] around a nested signature."""
    if isinstance(value, Signature):
        return f"[{value._body(short)}]"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ",".join(_formatted(v, short) for v in value)
    return str(value)


def _plain(value: object) -> object:
    """One setting in JSON form; a nested signature loses its version, which its holder carries."""
    if isinstance(value, Signature):
        out = value.as_dict()
        del out["version"]
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
