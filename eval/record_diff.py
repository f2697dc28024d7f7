"""Two run records (eval/results.py) side by side: every metric, setting and version, with numeric deltas."""

from __future__ import annotations

from typing import Any

from eval.results import read_result
from translate.errors import InputError


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as one dict with dotted keys; lists of scalars stay whole."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, sub in value.items():
            out.update(flatten(sub, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def _is_number(value: Any) -> bool:
    """True for ints and floats but not booleans."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def compare_records(a: dict, b: dict) -> list[tuple[str, Any, Any, float | None]]:
    """Rows (key, value in a, value in b, b - a when both are numbers) for metrics, settings and versions."""
    rows = []
    for section in ("metrics", "settings", "versions"):
        fa, fb = flatten(a.get(section, {}), section), flatten(b.get(section, {}), section)
        for key in list(dict.fromkeys([*fa, *fb])):
            va, vb = fa.get(key), fb.get(key)
            delta = vb - va if _is_number(va) and _is_number(vb) else None
            rows.append((key, va, vb, delta))
    return rows


def load_pair(path_a: str, path_b: str) -> tuple[dict, dict]:
    """Read two run records of one kind; InputError if either is not a record or their kinds differ."""
    records = []
    for path in (path_a, path_b):
        try:
            record = read_result(path)
        except OSError as exc:
            raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from None
        except ValueError:
            raise InputError(f"{path} is not a JSON run record.") from None
        if not isinstance(record, dict) or "metrics" not in record:
            raise InputError(f"{path} is not a run record (no 'metrics'); records are written under results/.")
        records.append(record)
    kinds = [record.get("name") for record in records]
    if kinds[0] != kinds[1]:
        # Records of two kinds share no metric, so their table would be rows of "-" on one side or the other.
        raise InputError(f"The records are of different kinds ({path_a}: {kinds[0]}, {path_b}: {kinds[1]}) and "
                         f"share no metric; compare two records of one kind (e.g. two results/{kinds[0]}-*.json).")
    return records[0], records[1]


def _cell(value: Any) -> str:
    """A compact printable form of a record value."""
    if value is None:
        return "-"
    if _is_number(value) and isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def format_comparison(a: dict, b: dict, name_a: str = "A", name_b: str = "B", changed_only: bool = False) -> str:
    """A plain-text table of two records; with `changed_only`, rows whose values are equal are left out."""
    rows = [r for r in compare_records(a, b) if not changed_only or r[1] != r[2]]
    table = [("", name_a, name_b, "B - A")]
    table.append(("name / time", f"{a.get('name')} {a.get('time')}", f"{b.get('name')} {b.get('time')}", ""))
    for key, va, vb, delta in rows:
        table.append((key, _cell(va), _cell(vb), "" if delta is None else f"{delta:+.4g}"))
    widths = [min(60, max(len(row[c]) for row in table)) for c in range(4)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in table)
