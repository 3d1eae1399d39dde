"""ccsess: keep every conversation you have with the claude CLI."""

__version__ = "0.1.0"
