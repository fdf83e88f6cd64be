"""Severity of a vulnerability id: CVSS v4/v3 vector, else GHSA label, else an alias's, else unknown."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gate.advisories.importer import import_records
from gate.advisories.severity import record_severity
from gate.advisories.store import AdvisoryStore
from gate.findings import Severity

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "advisories"
EXAMPLE_SET = REPO / "examples" / "advisories"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> AdvisoryStore:
    folder = tmp_path_factory.mktemp("severity-source")
    for name in ("ranges.json", "labelled.json", "unlabelled.json", "cvss3-over-label.yaml", "bad-vector.json"):
        shutil.copy(FIXTURES / name, folder / name)
    path = folder / "store.db"
    summary = import_records(folder, path)
    assert summary.added == 5
    return AdvisoryStore(path)


def test_cvss4_vector_is_scored(store: AdvisoryStore) -> None:
    assert store.severity_for("PYSEC-2099-3") is Severity.CRITICAL  # CVSS 4.0 base 9.3


def test_cvss3_vector_wins_over_a_contradicting_label(store: AdvisoryStore) -> None:
    assert store.severity_for("PYSEC-2099-5") is Severity.MEDIUM  # 5.3, though labelled CRITICAL


def test_ghsa_label_moderate_is_medium(store: AdvisoryStore) -> None:
    assert store.severity_for("GHSA-2222-3333-4444") is Severity.MEDIUM


def test_unscorable_vector_falls_back_to_the_label(store: AdvisoryStore) -> None:
    assert store.severity_for("GHSA-8888-9999-aaaa") is Severity.LOW


def test_record_without_severity_takes_its_aliases(store: AdvisoryStore) -> None:
    # PYSEC-2099-1 has none; GHSA-2222-3333-4444 lists it as an alias and is MODERATE.
    assert store.severity_for("PYSEC-2099-1") is Severity.MEDIUM


def test_an_id_only_known_as_an_alias_takes_the_listing_records_severity(store: AdvisoryStore) -> None:
    assert store.severity_for("GHSA-5555-6666-7777") is Severity.MEDIUM
    assert store.severity_for("CVE-2099-0001") is Severity.MEDIUM


def test_unknown_id_has_no_severity(store: AdvisoryStore) -> None:
    assert store.severity_for("PYSEC-1900-1") is None


def test_no_severity_anywhere_is_none_for_the_policy_to_decide(tmp_path: Path) -> None:
    import_records(EXAMPLE_SET, tmp_path / "e.db")
    with AdvisoryStore(tmp_path / "e.db") as example:
        assert example.severity_for("PYSEC-2015-11") is None  # django: no vector, label or aliased record
        assert example.severity_for("PYSEC-2020-96") is Severity.CRITICAL  # via GHSA-6757-jp84-gxfx, 9.8


@pytest.mark.parametrize(
    ("vector", "expected"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Severity.CRITICAL),  # 9.8
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", Severity.HIGH),  # 7.5
        ("CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:L/I:N/A:N", Severity.LOW),  # 2.5
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", Severity.INFO),  # 0.0
    ],
)
def test_cvss3_base_score_bands(vector: str, expected: Severity) -> None:
    assert record_severity({"id": "X", "severity": [{"type": "CVSS_V3", "score": vector}]}) is expected


def test_cvss4_is_preferred_over_cvss3_in_the_same_record() -> None:
    record = {
        "id": "X",
        "severity": [
            {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
            {"type": "CVSS_V4", "score": "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"},
        ],
    }
    assert record_severity(record) is Severity.LOW
