"""environment.yml must give conda users the same packages and version ranges as pyproject.toml."""

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_requirements() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"])
    for extra in ("report", "dask", "dev"):
        reqs += meta["optional-dependencies"][extra]
    out = {}
    for r in reqs:
        req = Requirement(r)
        out[req.name.lower()] = str(req.specifier)
    return out


def _conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict) or dep.split(">")[0].split("<")[0].split("=")[0] in ("python", "pip"):
            continue
        req = Requirement(dep)
        out[req.name.lower()] = str(req.specifier)
    return out


def test_same_packages_and_ranges():
    py, conda = _pyproject_requirements(), _conda_requirements()
    assert set(py) == set(conda), (
        f"only in pyproject: {sorted(set(py) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(py))}"
    )
    mismatched = {k: (py[k], conda[k]) for k in py if py[k] != conda[k]}
    assert not mismatched, f"version ranges differ (pyproject, environment.yml): {mismatched}"


def test_python_floor_matches():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert meta["requires-python"] == ">=3.12"
    assert "python>=3.12" in env["dependencies"]


def test_installs_the_project_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_items = [d for d in env["dependencies"] if isinstance(d, dict)]
    assert pip_items and "-e ." in pip_items[0]["pip"]
