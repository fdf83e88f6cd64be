"""gate/dependencies: every manifest and lock format read offline, each pin at its own file and line."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from gate.dependencies import Dependency, Origin, discover

REPO = Path(__file__).resolve().parents[1]
MONOREPO = REPO / "tests" / "fixtures" / "monorepo"


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    target = tmp_path / "monorepo"
    shutil.copytree(MONOREPO, target)
    return target


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def placed(dependencies: tuple[Dependency, ...]) -> set[tuple[str, int | None, str, str | None]]:
    return {(d.manifest, d.line, d.canonical_name, d.version) for d in dependencies}


def test_requirements_includes_hashes_markers_extras_and_triple_equals(tmp_path: Path) -> None:
    write(
        tmp_path,
        "requirements.txt",
        "# app\n"
        "-r sub/base.txt\n"
        "-c constraints.txt\n"
        "jinja2==2.10 \\\n"
        "    --hash=sha256:74c935a1b8bb9a3947c50a54766a969d4846290e1e788ea44c1392163723c3bd\n"
        'requests[socks]==2.19.1 ; python_version >= "3.6"  # why\n'
        "Flask===0.12.2\n"
        "pyyaml\n"
        "-e .\n"
        "foo @ git+https://example.invalid/foo.git@0123456789abcdef0123456789abcdef01234567\n",
    )
    write(tmp_path, "sub/base.txt", "\npsycopg==3.1.18\n")
    write(tmp_path, "constraints.txt", "pyyaml==5.1\n")
    inventory = discover(tmp_path)
    assert inventory.problems == ()
    assert placed(inventory.auditable()) == {
        ("requirements.txt", 4, "jinja2", "2.10"),
        ("requirements.txt", 6, "requests", "2.19.1"),
        ("requirements.txt", 7, "flask", "0.12.2"),
        ("sub/base.txt", 2, "psycopg", "3.1.18"),
        ("constraints.txt", 1, "pyyaml", "5.1"),
    }
    by_name = {d.canonical_name: d for d in inventory.dependencies}
    assert by_name["requests"].marker == 'python_version >= "3.6"'
    assert by_name["psycopg"].via == "requirements.txt" and by_name["psycopg"].direct
    assert by_name["foo"].origin is Origin.URL and by_name["foo"].version is None
    # pyyaml is unpinned in the file but pinned by its -c constraints file: not unpinned.
    assert inventory.unpinned() == ()
    assert set(inventory.files_read) == {"requirements.txt", "sub/base.txt", "constraints.txt"}


def test_unpinned_and_ranged_requirements_are_listed_as_unpinned(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "requests\nflask>=2,<4\ndjango==4.*\npsycopg==3.2.1\n")
    unpinned = discover(tmp_path).unpinned()
    assert [(d.canonical_name, d.line, d.specifier) for d in unpinned] == [
        ("requests", 1, ""),
        ("flask", 2, "<4,>=2"),
        ("django", 3, "==4.*"),
    ]


@pytest.mark.parametrize(
    ("include", "reason"),
    [
        ("-r missing.txt", "missing.txt: file not found"),
        ("-r ../outside.txt", "outside the scanned folder"),
        ("-c https://example.invalid/constraints.txt", "remote file not read (offline)"),
    ],
)
def test_an_include_that_cannot_be_read_is_a_problem_at_its_line(tmp_path: Path, include: str, reason: str) -> None:
    root = tmp_path / "app"
    write(root, "requirements.txt", f"flask==3.0.3\n{include}\n")
    problems = discover(root).problems
    assert len(problems) == 1 and problems[0].manifest == "requirements.txt" and problems[0].line == 2
    assert reason in problems[0].message


def test_include_cycles_end_and_each_file_is_read_once(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "-r requirements-dev.txt\nflask==3.0.3\n")
    write(tmp_path, "requirements-dev.txt", "-r requirements.txt\npytest==8.0.0\n")
    inventory = discover(tmp_path)
    assert inventory.problems == ()
    assert placed(inventory.dependencies) == {
        ("requirements.txt", 2, "flask", "3.0.3"),
        ("requirements-dev.txt", 2, "pytest", "8.0.0"),
    }


def test_a_fifo_named_like_a_manifest_is_a_problem_not_a_hang(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "-r requirements-extra.txt\n")
    os.mkfifo(tmp_path / "requirements-extra.txt")
    problems = discover(tmp_path, ["requirements.txt"]).problems
    assert [p.message for p in problems] == ["requirements-extra.txt: not a regular file"]


def test_lock_files_list_transitive_pins_and_mark_declared_ones_direct(monorepo: Path) -> None:
    inventory = discover(monorepo)
    assert inventory.problems == ()
    locked = {(d.manifest, d.line, d.canonical_name, d.version, d.direct) for d in inventory.dependencies}
    assert {
        ("apps/api/uv.lock", 22, "flask", "0.12.2", True),
        ("apps/api/uv.lock", 38, "jinja2", "2.10", False),
        ("apps/reports/poetry.lock", 4, "pyyaml", "5.1", True),
        ("apps/admin/Pipfile.lock", 13, "requests", "2.19.1", True),
        ("apps/admin/Pipfile.lock", 9, "idna", "2.7", False),
        ("apps/batch/pylock.toml", 6, "django", "1.8.3", False),
    } <= locked
    sources = {d.manifest: d.source_format for d in inventory.dependencies}
    assert sources["apps/api/uv.lock"] == "uv.lock" and sources["apps/batch/pylock.toml"] == "pylock"
    # The uv project itself is a local path, not a registry release.
    project = next(d for d in inventory.dependencies if d.canonical_name == "api")
    assert project.origin is Origin.PATH and project.purl is None
    # A lock is the truth for the manifest beside it: its ranges are not "unpinned".
    assert set(inventory.locked) == {"apps/api/pyproject.toml", "apps/reports/pyproject.toml", "apps/admin/Pipfile"}
    assert {(d.manifest, d.canonical_name) for d in inventory.unpinned()} == {
        ("apps/scratch/requirements.txt", "requests"),
        ("apps/scratch/requirements.txt", "flask"),
    }


def test_without_a_lock_pyproject_poetry_and_pipfile_ranges_are_unpinned(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a/pyproject.toml",
        '[project]\nname = "a"\nversion = "1"\ndependencies = [\n  "flask>=2",\n  "jinja2==3.1.4",\n]\n'
        '[project.optional-dependencies]\ndocs = ["sphinx"]\n[dependency-groups]\ndev = ["pytest~=8.0"]\n',
    )
    write(
        tmp_path, "b/pyproject.toml", '[tool.poetry.dependencies]\npython = "^3.11"\npyyaml = "^6.0"\nrich = "13.7.1"\n'
    )
    write(tmp_path, "c/Pipfile", '[packages]\nrequests = "*"\nidna = "==3.7"\n')
    inventory = discover(tmp_path)
    assert inventory.problems == ()
    assert {(d.manifest, d.line, d.canonical_name) for d in inventory.unpinned()} == {
        ("a/pyproject.toml", 5, "flask"),
        ("a/pyproject.toml", 9, "sphinx"),
        ("a/pyproject.toml", 11, "pytest"),
        ("b/pyproject.toml", 3, "pyyaml"),
        ("c/Pipfile", 2, "requests"),
    }
    assert placed(inventory.auditable()) == {
        ("a/pyproject.toml", 6, "jinja2", "3.1.4"),
        ("b/pyproject.toml", 4, "rich", "13.7.1"),
        ("c/Pipfile", 3, "idna", "3.7"),
    }


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("uv.lock", b"[[package]\nname = 'x'\n", "not valid TOML"),
        ("poetry.lock", b"package = 3\n", "`package` is not a list"),
        ("Pipfile.lock", b"{not json", "not valid JSON"),
        ("pylock.toml", b'lock-version = "1.0"\n[[packages]]\nversion = "1"\n', "not a valid pylock file"),
        ("requirements.txt", b"flask==3.0.3\n\xff\n", "not UTF-8"),
        ("setup.cfg", b"[options\ninstall_requires = flask\n", "not a valid setup.cfg"),
        ("setup.cfg", b"[options]\ninstall_requires =\n    flask >=>= 2\n", "not a PEP 508 requirement"),
        ("setup.cfg", b"[options]\ninstall_requires =\n    %(nowhere)s\n", "not a valid setup.cfg"),
    ],
)
def test_a_malformed_file_is_a_problem_never_an_exception(tmp_path: Path, name: str, text: bytes, reason: str) -> None:
    (tmp_path / name).write_bytes(text)
    problems = discover(tmp_path).problems
    assert problems and problems[0].manifest == name and reason in problems[0].message


def test_setup_cfg_install_requires_extras_and_file_directives_are_read(tmp_path: Path) -> None:
    """setuptools' declarative config: pins are audited at their line, ranges are unpinned, and a
    `file:` directive's file is read as one requirement per line (setup.py is never run)."""
    write(
        tmp_path,
        "lib/setup.cfg",
        "[metadata]\nname = lib\n\n[options]\ninstall_requires =\n    jinja2==2.10\n"
        '    greenlet != 0.4.17; python_version < "3.13"  # not a pin\n    file: deps/base.in\n\n'
        "[options.extras_require]\nyaml =\n    pyyaml==5.1\nall =\n    %(yaml)s\n    rich>=13\n",
    )
    write(tmp_path, "lib/deps/base.in", "# base\nrequests==2.19.1\n")
    inventory = discover(tmp_path)
    assert inventory.problems == ()
    assert placed(inventory.dependencies) == {
        ("lib/setup.cfg", 6, "jinja2", "2.10"),
        ("lib/setup.cfg", 7, "greenlet", None),
        ("lib/setup.cfg", 12, "pyyaml", "5.1"),  # also listed by `all` through %(yaml)s
        ("lib/setup.cfg", 15, "rich", None),
        ("lib/deps/base.in", 2, "requests", "2.19.1"),
    }
    assert sorted(d.canonical_name for d in inventory.unpinned()) == ["greenlet", "rich"]
    assert "lib/deps/base.in" in inventory.files_read


def test_a_lock_beside_setup_cfg_is_the_truth_for_it(tmp_path: Path) -> None:
    write(tmp_path, "setup.cfg", "[options]\ninstall_requires =\n    flask>=2\n")
    write(
        tmp_path,
        "uv.lock",
        'version = 1\n\n[[package]]\nname = "flask"\nversion = "3.0.3"\n'
        'source = { registry = "https://packages.example.invalid/simple" }\n',
    )
    inventory = discover(tmp_path)
    assert inventory.problems == ()
    assert inventory.locked == ("setup.cfg",)
    assert inventory.unpinned() == ()


def test_triple_equals_to_a_non_pep440_version_is_unauditable(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "legacy===2.0-custom\nflask===3.0.3\n")
    inventory = discover(tmp_path)
    assert [(d.canonical_name, d.version) for d in inventory.unauditable_pins()] == [("legacy", "2.0-custom")]
    assert [(d.canonical_name, d.version) for d in inventory.auditable()] == [("flask", "3.0.3")]


def test_purl_of_a_pinned_registry_release_is_canonical() -> None:
    dependency = Dependency("Jinja2", "2.10", "requirements.txt", 1, True, "requirements")
    assert dependency.purl == "pkg:pypi/jinja2@2.10"
    assert Dependency("flask", None, "requirements.txt", 1, True, "requirements").purl is None
