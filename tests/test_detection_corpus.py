"""The detection corpus (bench/detection/cases.yml) renders into valid, correctly labelled files.

No scanner runs here: bench/detection_score.py scores the rendered corpus.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from detection_corpus import DATA, FEATURE_VERSION, FRAMES, Case, load, render  # noqa: E402


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Case]]:
    into = tmp_path_factory.mktemp("corpus")
    return into, render(into)


def test_every_case_is_rendered_once_under_a_unique_name(rendered: tuple[Path, dict[str, Case]]) -> None:
    into, cases = rendered
    names = [case.name for case in load()]
    assert len(names) == len(set(names)) == len(cases)
    assert sorted(p.name for p in into.iterdir()) == sorted(names)


def test_every_case_parses_with_its_frameworks_grammar(rendered: tuple[Path, dict[str, Case]]) -> None:
    into, cases = rendered
    assert set(FEATURE_VERSION) == set(FRAMES)
    parsed = 0
    for name, case in cases.items():
        version = FEATURE_VERSION[case.framework]
        if sys.version_info[:2] < version:
            continue  # this interpreter's parser does not know that grammar
        ast.parse((into / name).read_text(encoding="utf-8"), filename=name, feature_version=version)
        parsed += 1
    assert parsed > 0


def test_python_311_grammar_rejects_the_312_frame() -> None:
    """The feature versions mean something: the fastapi312 frame really needs 3.12."""
    case = next(c for c in load() if c.framework == "fastapi312")
    with pytest.raises(SyntaxError):
        ast.parse(case.text(), feature_version=(3, 11))


def test_the_labelled_line_is_the_first_line_of_the_case_body(rendered: tuple[Path, dict[str, Case]]) -> None:
    into, cases = rendered
    for name, case in cases.items():
        lines = (into / name).read_text(encoding="utf-8").splitlines()
        assert 1 <= case.line <= len(lines), name
        body = case.body.splitlines()
        assert case.body_lines.start == case.line and len(case.body_lines) == len(body) >= 1, name
        indent = FRAMES[case.framework].indent
        for number, source in zip(case.body_lines, body, strict=True):
            assert lines[number - 1] == (indent + source if source else ""), (name, number)
        # The frame's last line is not part of the body: the labelled line is the first that differs.
        assert lines[case.line - 2] == FRAMES[case.framework].head.splitlines()[-1], name


def test_vulnerable_and_safe_counts_per_cwe_follow_the_data(rendered: tuple[Path, dict[str, Case]]) -> None:
    _, cases = rendered
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    expected = Counter((cwe, bool(e["vulnerable"])) for cwe, entries in data.items() for e in entries)
    counted = Counter((case.cwe, case.vulnerable) for case in cases.values())
    assert counted == expected
    for cwe in data:
        assert counted[(cwe, True)] >= 1 and counted[(cwe, False)] >= 1, cwe
    for name, case in cases.items():
        number = case.cwe.split("-")[1]
        assert name.startswith(f"cwe{number}_") and name.endswith("_vuln.py" if case.vulnerable else "_safe.py"), name


def test_an_unknown_framework_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "cases.yml"
    data.write_text("CWE-78:\n  - {framework: bottle, vulnerable: true, body: 'os.system(v)\\n'}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown framework 'bottle'"):
        load(data)
