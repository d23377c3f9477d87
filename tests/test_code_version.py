"""The git commit the report names: known in a checkout, "unknown" elsewhere, and whether the
tree had uncommitted changes."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bayes_iris.fingerprints import code_version

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(root, *args):
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@x", "HOME": str(root), "PATH": "/usr/bin:/bin"})


def test_commit_and_dirty_flag(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    assert code_version(repo) == {"commit": "unknown", "dirty": None}
    _git(repo, "init", "-q")
    (repo / "a.txt").write_text("1")
    _git(repo, "add", "a.txt")
    _git(repo, "commit", "-q", "-m", "one")
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    assert code_version(repo) == {"commit": head, "dirty": False}
    (repo / "a.txt").write_text("2")
    assert code_version(repo) == {"commit": head, "dirty": True}
    # a folder inside a repository is not that repository's checkout of this code
    (repo / "sub").mkdir()
    assert code_version(repo / "sub")["commit"] == "unknown"
