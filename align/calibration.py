"""Fitted calibration constants on disk: a calibration command writes them, the code that scores reads them.

A record is JSON with two fields: `values` (what the code uses) and `made_by` (the command, date, xling version
and training data), so a constant is never copied into code by hand and always says where it came from.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from align.signature import xling_version
from translate.atomic import write_text_atomic


def read_calibration(path: str | Path) -> dict[str, Any]:
    """The `values` of a calibration record written by `write_calibration`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))["values"]


def write_calibration(path: str | Path, values: dict[str, Any], command: str, training_data: str) -> Path:
    """Write a calibration record (the values and how they were made) to `path`, atomically; return the path."""
    record = {"made_by": {"command": command, "date": time.strftime("%Y-%m-%d"), "xling_version": xling_version(),
                          "training_data": training_data},
              "values": values}
    return write_text_atomic(path, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
