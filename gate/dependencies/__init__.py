"""A target's Python dependencies, read from its manifests and lock files, offline.

The API (everything else in this package is an implementation detail)::

    from gate.dependencies import discover, Dependency, DependencyInventory, Origin

    inventory = discover(root)                 # or discover(root, files) with root-relative paths
    for dep in inventory.dependencies:         # tuple[Dependency, ...]
        dep.name, dep.version                  # "Flask", "3.0.0" (None when not pinned exactly)
        dep.manifest, dep.line                 # "apps/a/requirements.txt", 4 (the -r/-c included file's own line)
        dep.direct                             # False for a lock's transitive pins and -c constraints
        dep.source_format                      # requirements, pyproject, pipfile, uv.lock, poetry.lock,
                                               # Pipfile.lock or pylock
        dep.origin                             # Origin.REGISTRY | Origin.URL | Origin.PATH
        dep.purl                               # "pkg:pypi/flask@3.0.0" for a pinned registry release, else None
    inventory.auditable()                      # pinned PEP 440 registry releases (what pip-audit is given)
    inventory.unpinned()                       # direct registry requirements with no exact pin
    inventory.problems                         # tuple[Problem, ...]: files that could not be read fully
    inventory.files_read                       # every file read, -r/-c includes too

Formats (one reader per module, each implementing `ManifestReader`): requirements*.txt with
`-r`/`-c` includes, `--hash` lines, markers, extras and `===` pins (pip-requirements-parser);
pyproject.toml (PEP 621, PEP 735, Poetry tables); setup.cfg; Pipfile; and the lock files uv.lock, poetry.lock,
Pipfile.lock and pylock.toml (tomllib, json, packaging.pylock). A lock is the truth for the
pyproject.toml or Pipfile beside it. Nothing here resolves, downloads or contacts an index; every
file is read only if it is a regular file inside the target, under `MAX_MANIFEST_BYTES`.
"""

from gate.dependencies.files import MAX_MANIFEST_BYTES
from gate.dependencies.inventory import READERS, DependencyInventory, discover, is_manifest
from gate.dependencies.model import Dependency, ManifestContent, ManifestReader, Origin, Problem

__all__ = [
    "MAX_MANIFEST_BYTES",
    "READERS",
    "Dependency",
    "DependencyInventory",
    "ManifestContent",
    "ManifestReader",
    "Origin",
    "Problem",
    "discover",
    "is_manifest",
]
