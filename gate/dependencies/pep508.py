"""One PEP 508 requirement string (`name[extra] >=1, <2 ; marker` or `name @ url`) as a Dependency:
shared by the manifests that declare requirements as strings (pyproject.toml, setup.cfg)."""

from __future__ import annotations

from packaging.requirements import InvalidRequirement, Requirement

from gate.dependencies.model import Dependency, Origin, Problem
from gate.dependencies.pins import exact_version


def requirement_dependency(text: str, relative: str, line: int | None, source_format: str) -> Dependency | Problem:
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        return Problem(relative, line, f"not a PEP 508 requirement: {str(exc)[:120]}")
    specifier = str(requirement.specifier)
    return Dependency(
        name=requirement.name,
        version=exact_version(specifier) if requirement.url is None else None,
        manifest=relative,
        line=line,
        direct=True,
        source_format=source_format,
        specifier=specifier,
        origin=Origin.URL if requirement.url else Origin.REGISTRY,
        via=relative,
        marker=str(requirement.marker or ""),
    )
