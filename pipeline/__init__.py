"""paper-mentions: find research-paper mentions in articles and link them to canonical papers."""

__version__ = "0.2.27"
