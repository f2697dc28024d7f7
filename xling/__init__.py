"""xling: translate news articles into English, align their sentences and compare claims across sources."""

__version__ = "0.1.0"
