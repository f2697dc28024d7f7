"""xling: translate news articles into English, align their sentences and compare claims across sources."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["compare", "find", "__version__"]


def __getattr__(name: str):
    """Load `xling.compare` / `xling.find` on first use, so `import xling` stays light (no numpy, no models)."""
    if name in ("compare", "find"):
        from importlib import import_module

        # Each module is callable: xling.compare(sources, reference, ...) and xling.find(claim, sources, ...).
        return import_module(f"xling.{name}")
    raise AttributeError(f"module 'xling' has no attribute {name!r}")
