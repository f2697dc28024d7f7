"""xling: translate news articles into English, align their sentences and compare claims across sources."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["compare", "find", "write_outputs", "__version__"]

# The Python API, loaded on first use so that `import xling` stays light (no numpy, no models).
_API = {
    "compare": ("xling.pipeline.compare", "compare"),
    "find": ("xling.pipeline.find", "find_claim"),
    "write_outputs": ("xling.pipeline.outputs", "write_outputs"),
}


def __getattr__(name: str):
    """Load `xling.compare`, `xling.find` and `xling.write_outputs` on first use."""
    if name in _API:
        from importlib import import_module

        module, attr = _API[name]
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'xling' has no attribute {name!r}")
