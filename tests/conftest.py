"""Shared fixtures: real example trees copied to tmp, and fake scanner binaries for failure tests."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def scanners_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gate finds scanners on PATH; make sure the venv's real ones are there."""
    monkeypatch.setenv("PATH", f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.fixture(autouse=True)
def private_scan_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own scan cache, so no test is answered from another's results."""
    monkeypatch.setenv("HARDGATE_CACHE_DIR", str(tmp_path / "hardgate-cache"))


@pytest.fixture
def sqli_app(tmp_path: Path) -> Path:
    target = tmp_path / "sqli-app"
    shutil.copytree(FIXTURES / "apps" / "sqli-app", target)
    return target


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Put a fake executable named NAME first on PATH, with the given shell body."""
    directory = tmp_path / "fake-bin"
    directory.mkdir()
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")

    def make(name: str, body: str) -> Path:
        path = directory / name
        path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return path

    return make


@pytest.fixture
def path_without(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A PATH holding links to every venv tool except the named ones: those scanners are missing."""

    def make(*missing: str) -> None:
        directory = tmp_path / "partial-bin"
        directory.mkdir(exist_ok=True)
        for entry in VENV_BIN.iterdir():
            if entry.name not in missing and not (directory / entry.name).exists():
                (directory / entry.name).symlink_to(entry)
        monkeypatch.setenv("PATH", f"{directory}{os.pathsep}/usr/bin{os.pathsep}/bin")

    return make
