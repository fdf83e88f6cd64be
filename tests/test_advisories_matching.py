"""OSV version matching for PyPI: ECOSYSTEM ranges and versions[], PEP 440 order, PEP 503 names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from gate.advisories.matching import record_affects

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "advisories"


def record(*ranges: list[dict[str, str]], versions: tuple[str, ...] = (), name: str = "pkg") -> dict[str, Any]:
    return {
        "id": "TEST-1",
        "affected": [
            {
                "package": {"name": name, "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": events} for events in ranges],
                "versions": list(versions),
            }
        ],
    }


@pytest.mark.parametrize(
    ("version", "affected"),
    [
        ("0.9.1", True),  # listed in versions[] though outside every range
        ("0.9.2", False),
        ("1.0", True),  # introduced is inclusive
        ("1.0.0", True),  # PEP 440: 1.0 == 1.0.0
        ("1.3.9", True),
        ("1.4rc1", True),  # a pre-release of the fix is still before it
        ("1.4", False),  # fixed is exclusive
        ("1.9", False),
        ("2.0", True),
        ("2.2", True),  # last_affected is inclusive
        ("2.2.post1", False),
        ("2.2.1", False),
    ],
)
def test_fixture_ranges_follow_pep440(version: str, affected: bool) -> None:
    ranges = json.loads((FIXTURES / "ranges.json").read_text())
    assert record_affects(ranges, "example-pkg", Version(version)) is affected


def test_several_introduced_fixed_pairs_in_one_range_in_any_order() -> None:
    # Django-style: one range listing several release lines, not in version order.
    django = record([{"introduced": "1.8"}, {"fixed": "1.8.4"}, {"introduced": "1.7"}, {"fixed": "1.7.10"}])
    assert record_affects(django, "pkg", Version("1.8.3"))
    assert record_affects(django, "pkg", Version("1.7.9"))
    assert not record_affects(django, "pkg", Version("1.7.10"))
    assert not record_affects(django, "pkg", Version("1.8.4"))
    assert not record_affects(django, "pkg", Version("1.6"))


def test_introduced_zero_covers_every_version_including_dev_releases_of_zero() -> None:
    everything = record([{"introduced": "0"}])
    assert record_affects(everything, "pkg", Version("0.dev0"))
    assert record_affects(everything, "pkg", Version("99.0"))


def test_only_the_named_package_in_the_pypi_ecosystem_matches() -> None:
    other = record([{"introduced": "0"}], name="Some_Pkg.Name")
    assert record_affects(other, "some-pkg-name", Version("1.0"))  # PEP 503
    assert record_affects(other, "SOME.PKG_NAME", Version("1.0"))
    assert not record_affects(other, "some-pkg", Version("1.0"))
    other["affected"][0]["package"]["ecosystem"] = "npm"
    assert not record_affects(other, "some-pkg-name", Version("1.0"))


def test_git_ranges_decide_nothing_for_pypi_versions() -> None:
    git_only = {
        "id": "TEST-2",
        "affected": [
            {
                "package": {"name": "pkg", "ecosystem": "PyPI"},
                "ranges": [{"type": "GIT", "repo": "r", "events": [{"introduced": "0"}, {"fixed": "a" * 40}]}],
            }
        ],
    }
    assert not record_affects(git_only, "pkg", Version("1.0"))


def test_an_unorderable_fixed_event_leaves_the_range_open() -> None:
    # Erring towards reporting: "fixed: 2019-09-12" cannot be placed in PEP 440 order.
    dated = record([{"introduced": "0"}, {"fixed": "2019-09-12"}])
    assert record_affects(dated, "pkg", Version("5.0"))


def test_limit_closes_the_range_like_fixed() -> None:
    limited = record([{"introduced": "1.0"}, {"limit": "2.0"}])
    assert record_affects(limited, "pkg", Version("1.5"))
    assert not record_affects(limited, "pkg", Version("2.0"))
