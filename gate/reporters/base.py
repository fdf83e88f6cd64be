"""The one interface every reporter implements."""

from __future__ import annotations

from abc import ABC, abstractmethod

from gate.report import Report


class Reporter(ABC):
    """Renders a Report as text in one format. Reporters never print and never exit."""

    name: str
    #: Whether the output is meant for a terminal (the text reporter may use colour there).
    binary: bool = False

    @abstractmethod
    def render(self, report: Report) -> str:
        """The whole report as a string, ready to write to a file or stdout."""
