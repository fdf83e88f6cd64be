"""Run every ENV check over an inventories folder and return the findings, ordered and unique."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gate.envcheck import (
    contract,
    gatepolicy,
    hosts,
    identity,
    monitoring,
    networks,
    secretpaths,
    secretvalues,
    vaultids,
)
from gate.envcheck.context import Context
from gate.envcheck.inventory import inventory_sets, load_inventories, project_root
from gate.envcheck.rules import TOOL
from gate.envcheck.vault import read_password
from gate.errors import ConfigError
from gate.findings import Finding
from gate.redact import redact
from gate.scanners.source import read_lines, snippet

CHECKS: tuple[Callable[[Context], list[Finding]], ...] = (
    hosts.check,
    identity.check,
    vaultids.check,
    secretpaths.check,
    secretvalues.check,
    networks.check,
    contract.check,
    monitoring.check,
    gatepolicy.check,
)
#: Environment variable listing vault password files: `dev=/path/dev.pass,prod=/path/prod.pass`.
VAULT_PASSWORDS_ENV = "HARDGATE_VAULT_PASSWORD_FILES"


@dataclass(frozen=True)
class EnvcheckOptions:
    vault_password_files: Mapping[str, Path] = field(default_factory=dict)
    policy_file: Path | None = None


@dataclass(frozen=True)
class EnvcheckResult:
    findings: tuple[Finding, ...]
    files: tuple[str, ...]  # root-relative files read
    environments: tuple[str, ...]


def parse_password_files(specs: list[str] | tuple[str, ...], source: str) -> dict[str, Path]:
    """`ENV=FILE` pairs (from --vault-password-file or the comma-separated environment variable)."""
    result: dict[str, Path] = {}
    for spec in specs:
        env, sep, path = spec.partition("=")
        if not sep or not env.strip() or not path.strip():
            raise ConfigError(f"{source}: expected ENV=FILE, got {spec!r}")
        result[env.strip()] = Path(path.strip())
    return result


def _passwords(files: Mapping[str, Path]) -> dict[str, bytes]:
    passwords = {}
    for env, path in files.items():
        try:
            passwords[env] = read_password(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise ConfigError(f"{path}: vault password file for {env!r}: {reason}") from None
    return passwords


def check_inventories(
    inventories_dir: Path, options: EnvcheckOptions | None = None, root: Path | None = None
) -> EnvcheckResult:
    """Every ENV finding for the inventories under `inventories_dir`, and for each nested set of
    environments (e.g. inventories/lab/{dev,staging,prod}) checked on its own; bad input raises ConfigError."""
    options = options or EnvcheckOptions()
    root = (root or project_root(inventories_dir)).resolve()
    results = [_check_set(folder, options, root) for folder in inventory_sets(inventories_dir.resolve())]
    return EnvcheckResult(
        tuple(f for result in results for f in result.findings),
        tuple(sorted({f for result in results for f in result.files})),
        tuple(name for result in results for name in result.environments),
    )


def _check_set(inventories_dir: Path, options: EnvcheckOptions, root: Path) -> EnvcheckResult:
    inventories = load_inventories(inventories_dir, root)
    if not inventories:
        return EnvcheckResult((), (), ())
    ctx = Context(
        root=root,
        inventories=inventories,
        vault_passwords=_passwords(options.vault_password_files),
        policy_file=options.policy_file,
    )
    found: dict[tuple[str, str, int, str], Finding] = {}
    for check in CHECKS:
        for item in check(ctx):
            loc = item.location
            key = (item.rule_id, loc.path if loc else "", loc.start_line if loc else 0, item.message)
            found.setdefault(key, item)
    findings = sorted(
        found.values(),
        key=lambda f: (f.location.path if f.location else "", f.location.start_line if f.location else 0, f.rule_id),
    )
    with_snippets = tuple(_with_snippet(root, f) for f in findings)
    files = tuple(sorted({f for inventory in inventories for f in inventory.files}))
    return EnvcheckResult(with_snippets, files, tuple(inventory.name for inventory in inventories))


def _with_snippet(root: Path, item: Finding) -> Finding:
    if item.location is None or item.snippet:
        return item
    lines = read_lines(root, item.location.path)
    text = snippet(lines, item.location.start_line, item.location.start_line, limit=1)
    return item.replace(snippet=redact(text) if not text.startswith("$ANSIBLE_VAULT") else text)


__all__ = ["TOOL", "VAULT_PASSWORDS_ENV", "EnvcheckOptions", "EnvcheckResult", "check_inventories"]
