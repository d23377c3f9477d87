"""CLI commands of this area (placeholder until the area lands; see cli/__init__.py)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
