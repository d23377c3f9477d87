"""Generated documentation (bayes_iris.data.docs): the committed docs hold the current tables."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_docs_generated_sections_are_up_to_date():
    """docs/trial-data.md and docs/synthetic-trial.md hold the current column and parameter tables
    (regenerate with `python -m bayes_iris.data.docs docs`)."""
    from bayes_iris.data.docs import render

    for name in ("trial-data.md", "synthetic-trial.md"):
        text = (ROOT / "docs" / name).read_text(encoding="utf-8")
        assert "<!-- BEGIN generated:" in text
        assert render(text) == text, f"docs/{name} is stale"
