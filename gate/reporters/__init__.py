"""Report formats by name: `get_reporter("sarif").render(report)`."""

from __future__ import annotations

from gate.errors import UsageError
from gate.reporters.base import Reporter
from gate.reporters.cyclonedx import CyclonedxReporter
from gate.reporters.github import GithubReporter
from gate.reporters.gitlab import GitlabReporter
from gate.reporters.html import HtmlReporter
from gate.reporters.json_report import JsonReporter
from gate.reporters.junit import JunitReporter
from gate.reporters.markdown import MarkdownReporter
from gate.reporters.sarif import SarifReporter
from gate.reporters.text import TextReporter

REPORTERS: dict[str, type[Reporter]] = {
    cls.name: cls
    for cls in (
        TextReporter,
        JsonReporter,
        SarifReporter,
        JunitReporter,
        MarkdownReporter,
        GitlabReporter,
        GithubReporter,
        HtmlReporter,
        CyclonedxReporter,
    )
}


def get_reporter(name: str) -> Reporter:
    """The reporter for a format name; an unknown name is a usage error listing the known ones."""
    try:
        return REPORTERS[name.strip().lower()]()
    except KeyError:
        known = ", ".join(sorted(REPORTERS))
        raise UsageError(f"unknown report format {name!r}; choose one of: {known}") from None


__all__ = ["REPORTERS", "Reporter", "get_reporter"]
