"""Target discovery: only regular files are walked, and every file a scanner would read is size-capped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gate.errors import UsageError
from gate.targets import DEFAULT_MAX_FILE_BYTES, NOT_REGULAR, TOO_LARGE, discover, max_file_bytes, walk_files


def test_a_fifo_named_like_python_is_listed_as_not_scanned_and_never_handed_on(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    os.mkfifo(tmp_path / "b.py")
    target = discover(tmp_path, ())
    assert target.files == ("a.py",)
    assert target.python_files == ("a.py",)
    assert target.unscanned == (("b.py", NOT_REGULAR),)
    assert walk_files(tmp_path, ()) == ["a.py"]


def test_a_file_over_the_cap_is_left_out_and_named(tmp_path: Path) -> None:
    (tmp_path / "small.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "generated.py").write_text("y = 2\n" * 100, encoding="utf-8")  # 600 bytes
    (tmp_path / "requirements.txt").write_text("# " + "x" * 700 + "\n", encoding="utf-8")
    target = discover(tmp_path, (), max_bytes=500)
    assert target.python_files == ("small.py",)
    assert "generated.py" not in target.files and "requirements.txt" not in target.manifests
    unscanned = dict(target.unscanned)
    assert unscanned["generated.py"].startswith(TOO_LARGE)
    assert "600 bytes, limit 500" in unscanned["generated.py"]
    assert unscanned["requirements.txt"].startswith(TOO_LARGE)


def test_a_large_file_no_scanner_reads_is_kept_for_hashing_but_not_reported(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(b"\x89PNG" + b"\0" * 1000)
    (tmp_path / "app.py").write_text("x = 1\n", encoding="utf-8")
    target = discover(tmp_path, (), max_bytes=500)
    assert "logo.png" in target.files
    assert target.unscanned == ()


def test_files_under_inventories_are_capped_because_envcheck_reads_them(tmp_path: Path) -> None:
    (tmp_path / "inventories" / "prod").mkdir(parents=True)
    (tmp_path / "inventories" / "prod" / "hosts").write_text("db ansible_host=10.0.0.1\n" * 50, encoding="utf-8")
    target = discover(tmp_path, (), max_bytes=100)
    assert [path for path, _ in target.unscanned] == ["inventories/prod/hosts"]


def test_excluded_files_are_neither_scanned_nor_reported(tmp_path: Path) -> None:
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "table.py").write_text("z = 3\n" * 200, encoding="utf-8")
    target = discover(tmp_path, ("gen/**",), max_bytes=100)
    assert target.files == () and target.unscanned == ()


def test_max_file_bytes_comes_from_the_environment_or_the_default() -> None:
    assert max_file_bytes({}) == DEFAULT_MAX_FILE_BYTES
    assert max_file_bytes({"HARDGATE_MAX_FILE_BYTES": "2048"}) == 2048


@pytest.mark.parametrize("value", ["lots", "0", "-5"])
def test_a_bad_max_file_bytes_is_a_usage_error(value: str) -> None:
    with pytest.raises(UsageError, match="HARDGATE_MAX_FILE_BYTES"):
        max_file_bytes({"HARDGATE_MAX_FILE_BYTES": value})
