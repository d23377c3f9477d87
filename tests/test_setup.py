"""The setup script finds a suitable Python by itself, and says clearly what to do when there is none."""

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOTSTRAP = ROOT / "scripts" / "bootstrap.sh"


def _fake_python(folder: Path, name: str, version: tuple[int, int]) -> Path:
    """A stand-in interpreter that claims ``version`` (answers the bootstrap's version probe)."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / name
    ok = 0 if version >= (3, 12) else 1
    exe.write_text(f"#!/bin/sh\nexit {ok}\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe


def _run(env_extra: dict[str, str], path_dirs: list[Path], tmp_path: Path):
    env = {
        "PATH": os.pathsep.join([*map(str, path_dirs), "/usr/bin", "/bin"]),
        "HOME": str(tmp_path / "home"),
        "VENV": str(tmp_path / "venv"),
        "BAYES_IRIS_SEARCH_ROOTS": str(tmp_path / "no-such-root"),
        **env_extra,
    }
    return subprocess.run(
        ["bash", str(BOOTSTRAP), "--find-python"], capture_output=True, text=True, env=env,
        cwd=ROOT, check=False,
    )


def test_finds_python_312_on_path(tmp_path):
    bindir = tmp_path / "bin"
    _fake_python(bindir, "python3", (3, 11))
    good = _fake_python(bindir, "python3.12", (3, 12))
    res = _run({}, [bindir], tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(good)


def test_finds_pyenv_style_install_off_path(tmp_path):
    bindir = tmp_path / "bin"
    _fake_python(bindir, "python3", (3, 11))
    root = tmp_path / "versions"
    _fake_python(root / "3.11.7" / "bin", "python3", (3, 11))
    good = _fake_python(root / "3.12.1" / "bin", "python3", (3, 12))
    res = _run({"BAYES_IRIS_SEARCH_ROOTS": str(root)}, [bindir], tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(good)


def test_clear_message_when_none(tmp_path):
    bindir = tmp_path / "bin"
    _fake_python(bindir, "python3", (3, 11))
    if shutil.which("python3.12", path="/usr/bin:/bin") or shutil.which("python3.13", path="/usr/bin:/bin"):
        # A system 3.12 would (rightly) be found; hide it by pointing at a bad explicit choice instead.
        res = _run({"BAYES_IRIS_PYTHON": str(bindir / "python3")}, [bindir], tmp_path)
        assert res.returncode != 0
        assert "not a Python >= 3.12" in res.stderr
        return
    res = _run({}, [bindir], tmp_path)
    assert res.returncode != 0
    assert "no Python >= 3.12 found" in res.stderr


def test_explicit_interpreter_is_checked(tmp_path):
    bindir = tmp_path / "bin"
    bad = _fake_python(bindir, "python3", (3, 11))
    res = _run({"BAYES_IRIS_PYTHON": str(bad)}, [bindir], tmp_path)
    assert res.returncode != 0
    assert "not a Python >= 3.12" in res.stderr


def test_this_interpreter_is_supported():
    assert sys.version_info >= (3, 12)


def test_console_script_help_reads_well():
    exe = Path(sys.executable).with_name("bayes-iris")
    res = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    assert "SYNTHETIC" in res.stdout
    assert "Traceback" not in res.stdout + res.stderr
