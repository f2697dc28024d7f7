"""xling: translate news articles into English, align their sentences and compare claims across sources."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["compare", "find", "write_outputs", "run_corpus", "JobSettings", "__version__"]

# The Python API, loaded on first use so that `import xling` stays light (no numpy, no models).
_API = {
    "compare": ("xling.pipeline.compare", "compare"),
    "find": ("xling.pipeline.find", "find_claim"),
    "write_outputs": ("xling.pipeline.outputs", "write_outputs"),
    "run_corpus": ("xling.batch.engine", "run_corpus"),
    "JobSettings": ("xling.batch.engine", "JobSettings"),
}


def __getattr__(name: str):
    """Load the API's functions (compare, find, write_outputs, run_corpus, JobSettings) on first use."""
    if name in _API:
        from importlib import import_module

        module, attr = _API[name]
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'xling' has no attribute {name!r}")
