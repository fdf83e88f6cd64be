"""Bandit parses the target: 3.12 syntax scans; newer syntax and broken files fail closed, each with its reason."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from gate.findings import ScanStatus, ScanTarget
from gate.scanners.bandit import BanditScanner
from gate.scanners.base import ScanConfig
from gate.scanners.pyversion import explain_unparsed, newer_interpreters

HARDGATE = Path(sys.executable).parent / "hardgate"

# PEP 695 type aliases and generics, PEP 701 nested same-quote f-strings: Python 3.12 syntax.
PY312 = '''"""Written for Python 3.12."""

type Pair[T] = tuple[T, T]


def first[T](items: list[T]) -> T:
    return items[0]


def greet(names: list[str]) -> str:
    return f"hello {", ".join(f"{n!r}" for n in names)}"
'''
BROKEN = "def broken(:\n    return 1\n"


def project(tmp_path: Path, **files: str) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    for name, text in files.items():
        (root / f"{name}.py").write_text(text, encoding="utf-8")
    return root


def scan(root: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HARDGATE), "scan", str(root), "--env", "prod", "--no-cache"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        check=False,
    )


@pytest.mark.skipif(sys.version_info < (3, 12), reason="the gate's venv must run on Python >= 3.12")
def test_a_project_using_python_3_12_syntax_scans_without_a_scanner_failure(tmp_path: Path) -> None:
    done = scan(project(tmp_path, modern=PY312), tmp_path)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert "bandit ok" in done.stdout


def test_a_file_invalid_under_any_python_fails_closed_naming_the_file(tmp_path: Path) -> None:
    done = scan(project(tmp_path, modern=PY312, broken=BROKEN), tmp_path)
    assert done.returncode == 3, done.stdout + done.stderr
    failure = next(line for line in done.stdout.splitlines() if "bandit failed" in line)
    assert "broken.py is not valid Python under" in failure
    assert "line 1" in failure
    assert "modern.py" not in failure


def older_python() -> str | None:
    """An interpreter older than 3.12 that can run the venv's bandit (its dependencies are pure Python)."""
    for name in ("python3.11", "/usr/bin/python3.11", "python3.10"):
        found = shutil.which(name)
        if found and "shims" not in found:
            return found
    return None


@pytest.fixture
def bandit_on_old_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The real bandit, run by a Python older than 3.12: what a gate built on plain Debian 12 has."""
    old = older_python()
    if old is None or not newer_interpreters((3, 11)):
        pytest.skip("needs Python 3.11 and a newer CPython on this machine (Debian 12 with pyenv)")
    folder = tmp_path / "old-bandit"
    folder.mkdir()
    wrapper = folder / "bandit"
    site = sysconfig.get_paths()["purelib"]
    wrapper.write_text(
        f"#!{old}\nimport sys\nsys.path.append({site!r})\nfrom bandit.cli.main import main\nsys.exit(main())\n",
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("HARDGATE_SCANNER_PATH", str(folder))
    return old


def bandit_reason(root: Path, *files: str) -> str:
    target = ScanTarget(root=root, files=files, python_files=files, manifests=())
    result = BanditScanner().run(target, ScanConfig(rules_dir=root))
    assert result.status is ScanStatus.FAILED
    return result.reason


def test_newer_syntax_names_the_python_the_file_needs_in_one_line(tmp_path: Path, bandit_on_old_python: str) -> None:
    reason = bandit_reason(project(tmp_path, modern=PY312), "modern.py")
    assert reason == (
        "modern.py needs Python >= 3.12; bandit runs on Python 3.11: rebuild the venv with a newer CPython (see README)"
    )


def test_a_broken_file_is_named_before_files_that_only_need_a_newer_python(
    tmp_path: Path, bandit_on_old_python: str
) -> None:
    reason = bandit_reason(project(tmp_path, modern=PY312, broken=BROKEN), "modern.py", "broken.py")
    assert reason.startswith("2 file(s) not analysed, e.g. broken.py is not valid Python under Python 3.11, 3.12")
    assert "\n" not in reason


def test_explain_unparsed_asks_the_oldest_newer_interpreter_that_parses(tmp_path: Path) -> None:
    interpreters = newer_interpreters((3, 11))
    if not interpreters:
        pytest.skip("no CPython >= 3.12 besides the venv's")
    root = project(tmp_path, modern=PY312, broken=BROKEN)
    explained = {u.path: u for u in explain_unparsed(["modern.py", "broken.py"], root, interpreters)}
    assert explained["modern.py"].needs == (3, 12)
    assert explained["broken.py"].needs is None
    assert explained["broken.py"].detail.startswith("line 1:")
