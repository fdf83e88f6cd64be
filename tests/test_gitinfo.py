"""gitinfo against real throwaway git repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gate.errors import ConfigError
from gate.gitinfo import changed_files, head_commit, tree_state


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "test@example.com")
    git(root, "config", "user.name", "Test")
    (root / "app" / "a.py").write_text("a = 1\n")
    (root / "app" / "b.py").write_text("b = 1\n")
    (root / "README").write_text("hi\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def test_head_commit_is_the_full_sha(repo: Path) -> None:
    assert head_commit(repo) == git(repo, "rev-parse", "HEAD")


def test_clean_tree_then_dirty_after_an_edit(repo: Path) -> None:
    assert tree_state(repo) == "clean"
    (repo / "app" / "a.py").write_text("a = 2\n")
    assert tree_state(repo) == "dirty"


def test_untracked_file_makes_the_tree_dirty(repo: Path) -> None:
    (repo / "new.py").write_text("x = 1\n")
    assert tree_state(repo) == "dirty"


def test_plain_directory_is_not_a_repo(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert tree_state(plain) == "not-a-repo"
    assert head_commit(plain) is None


def test_changed_files_include_committed_staged_unstaged_and_untracked(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "app" / "committed.py").write_text("c = 1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "feature work")
    (repo / "app" / "staged.py").write_text("s = 1\n")
    git(repo, "add", "app/staged.py")
    (repo / "app" / "a.py").write_text("a = 2\n")
    (repo / "app" / "untracked.py").write_text("u = 1\n")
    assert changed_files(repo, base) == ("app/a.py", "app/committed.py", "app/staged.py", "app/untracked.py")


def test_deleted_files_are_not_listed(repo: Path) -> None:
    (repo / "app" / "b.py").unlink()
    assert changed_files(repo, "HEAD") == ()


def test_changed_files_are_relative_to_a_subdirectory_target(repo: Path) -> None:
    (repo / "app" / "a.py").write_text("a = 2\n")
    (repo / "README").write_text("changed outside the target\n")
    assert changed_files(repo / "app", "HEAD") == ("a.py",)


def test_changes_on_the_base_branch_after_forking_are_not_listed(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "checkout", "-q", "main")
    (repo / "app" / "b.py").write_text("b = 2\n")
    git(repo, "commit", "-q", "-am", "main moves on")
    git(repo, "checkout", "-q", "feature")
    (repo / "app" / "a.py").write_text("a = 2\n")
    assert changed_files(repo, "main") == ("app/a.py",)


def test_unknown_revision_is_a_config_error(repo: Path) -> None:
    with pytest.raises(ConfigError, match="unknown revision 'no-such-branch'"):
        changed_files(repo, "no-such-branch")


def test_option_like_revision_is_rejected(repo: Path) -> None:
    with pytest.raises(ConfigError, match="unknown revision '--output=x'"):
        changed_files(repo, "--output=x")


def test_changed_since_outside_a_repo_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs a git repository"):
        changed_files(tmp_path, "HEAD")


# --- through `hardgate scan --changed-since` ----------------------------------------------------------


def test_scan_changed_since_unknown_rev_exits_2(sqli_app: Path) -> None:
    from click.testing import CliRunner

    from gate.cli import main

    git(sqli_app, "init", "-q")
    done = CliRunner().invoke(main, ["scan", str(sqli_app), "--changed-since", "nope"])
    assert done.exit_code == 2
    assert "unknown revision 'nope'" in done.stderr


# --- end to end through `hardgate scan` ---


def test_scan_changed_since_scans_only_the_changed_file(sqli_app: Path) -> None:
    from click.testing import CliRunner

    from gate.cli import main

    def scan(*extra: str) -> int:
        return CliRunner().invoke(main, ["scan", str(sqli_app), "--env", "prod", "--no-cache", *extra]).exit_code

    git(sqli_app, "init", "-q", "-b", "main")
    git(sqli_app, "add", "-A")
    git(sqli_app, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base")
    (sqli_app / "health.py").write_text("def ok() -> bool:\n    return True\n")
    assert scan() == 1  # the full scan still sees the SQL injection in db.py
    assert scan("--changed-since", "HEAD") == 0  # only health.py is scanned
    # A flow from the request, not only a formatted query: a shape-only hit is advisory (docs/policy.md).
    (sqli_app / "health.py").write_text(
        "from flask import request\n\n\ndef ok(cur):\n    n = request.args['n']\n    cur.execute(f\"SELECT {n}\")\n"
    )
    assert scan("--changed-since", "HEAD") == 1
