"""The command line reads well: one naming scheme for options across commands, an Examples
section in every ``--help``, and the typed exit-code table."""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest
import typer.main

from bayes_iris.cli import app, main
from bayes_iris.errors import ExitCode

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = sorted(typer.main.get_command(app).commands)

#: The one name of each concept (``bayes_iris.cli.options``); the spellings it replaced.
CANONICAL = {"data": "--data", "results": "--results", "out_csv": "--out", "out_dir": "--out",
             "seed": "--seed", "fast": "--fast", "strict": "--strict"}
FORBIDDEN = {"--csv", "--output", "--out-dir", "--results-dir", "--trial", "--data-dir",
             "--random-seed", "--quick", "--tables"}


def _params(name: str) -> list[click.Parameter]:
    return typer.main.get_command(app).commands[name].params


def test_every_command_is_covered():
    assert {"validate", "simulate", "fit", "effects", "safety", "reanalyze", "design", "run",
            "report"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_help_has_examples_that_use_the_command(name, capsys):
    assert main([name, "--help"]) == ExitCode.OK
    text = capsys.readouterr().out
    assert "Examples" in text
    examples = text[text.index("Examples"):]
    assert f"bayes-iris {name}" in examples


@pytest.mark.parametrize("name", COMMANDS)
def test_options_follow_one_naming_scheme(name):
    for p in _params(name):
        if not isinstance(p, click.Option):
            continue
        assert not set(p.opts) & FORBIDDEN, (name, p.opts)
        if p.name in CANONICAL:
            assert p.opts == [CANONICAL[p.name]], (name, p.name, p.opts)
        for opt in p.opts:  # --results is always a folder, --out always what the command writes
            if opt == "--results":
                assert p.name == "results"
            if opt == "--out":
                assert p.name in ("out_csv", "out_dir")


def test_analysis_commands_share_data_results_seed_fast_strict():
    for name in ("fit", "effects", "safety", "run", "report"):
        opts = {o for p in _params(name) for o in getattr(p, "opts", [])}
        assert {"--data", "--results", "--seed", "--fast", "--strict"} <= opts, name


def test_exit_code_table():
    assert [(c.name, int(c)) for c in ExitCode] == [
        ("OK", 0), ("BUG", 1), ("INPUT", 2), ("CONVERGENCE", 3), ("INTERRUPTED", 130)]
    assert main(["fit", "--model", "nope"]) == ExitCode.INPUT
    assert main(["no-such-command"]) == ExitCode.INPUT


def test_scripts_never_import_the_command_line():
    """Step scripts use the step-script contract (``bayes_iris.pipeline.script``), not the CLI."""
    for path in sorted((ROOT / "analyses").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("bayes_iris.cli"), path.name
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("bayes_iris.cli") for a in node.names), path.name
