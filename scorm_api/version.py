"""The appliance's version: the one place it is written (pyproject.toml reads it from here).

A literal, not the installed distribution's metadata: reading that (importlib.metadata) was a
twentieth of every start, the CLI's included, and a binary would have to carry the metadata
for it."""

__version__ = "0.1.0"
