"""Every rule the gate can report: the bundled semgrep rules (read from gate/rules at call time) and
bandit's tests and blacklist calls (from bandit's own plugin registry), one `RuleInfo` each."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate.configfile import load_yaml
from gate.scanners.severity import semgrep_severity

_CWE = re.compile(r"CWE-(\d+)", re.IGNORECASE)
_BANDIT_CWE = re.compile(r"\bCwe\.([A-Z0-9_]+)")
_BANDIT_LEVEL = re.compile(r"\b(severity|confidence)=bandit\.(LOW|MEDIUM|HIGH)")


@dataclass(frozen=True)
class RuleInfo:
    id: str
    source: str  # "bundled" (semgrep rule in gate/rules) or "bandit"
    severity: str  # the gate's severity label, or several joined with "|" when the rule decides per match
    confidence: str
    cwe: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    title: str = ""
    path: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "severity": self.severity,
            "confidence": self.confidence,
            "cwe": list(self.cwe),
            "languages": list(self.languages),
            "title": self.title,
            "path": self.path,
        }


def _cwes(values: Iterable[Any]) -> tuple[str, ...]:
    found = [f"CWE-{m.group(1)}" for value in values for m in _CWE.finditer(str(value))]
    return tuple(dict.fromkeys(found))


def _first_sentence(text: str) -> str:
    flat = " ".join(str(text).split())
    return flat.split(". ", 1)[0].rstrip(".")[:140]


def bundled_rules(rules_dir: Path) -> list[RuleInfo]:
    """Every rule in every semgrep rule file under rules_dir (test files, `*.test.yaml`, are skipped)."""
    found: list[RuleInfo] = []
    for path in sorted(rules_dir.rglob("*.y*ml")):
        if ".test." in path.name:
            continue
        document = load_yaml(path, "semgrep rule")[1] or {}
        for rule in document.get("rules", []) if isinstance(document, dict) else []:
            metadata = rule.get("metadata") or {}
            cwe = metadata.get("cwe") or []
            found.append(
                RuleInfo(
                    id=str(rule.get("id")),
                    source="bundled",
                    severity=semgrep_severity(str(rule.get("severity", "WARNING"))).label,
                    confidence=str(metadata.get("confidence", "medium")).lower(),
                    cwe=_cwes(cwe if isinstance(cwe, list) else [cwe]),
                    languages=tuple(str(lang) for lang in rule.get("languages") or ()),
                    title=_first_sentence(rule.get("message", "")),
                    path=path.relative_to(rules_dir).as_posix(),
                )
            )
    return found


def _levels(source: str, kind: str) -> str:
    levels = {level.lower() for key, level in _BANDIT_LEVEL.findall(source) if key == kind}
    order = [level for level in ("high", "medium", "low") if level in levels]
    return "|".join(order) or "varies"


def bandit_rules() -> list[RuleInfo]:
    """bandit's test plugins and blacklisted calls/imports, from its extension registry (what bandit would run).

    A plugin sets severity, confidence and CWE per match in its code; they are read from that code, so a
    plugin that can report HIGH or MEDIUM lists `high|medium`.
    """
    from bandit.core import extension_loader, issue  # type: ignore[import-untyped]

    cwe_ids = {n: v for n in dir(issue.Cwe) if n.isupper() and isinstance(v := getattr(issue.Cwe, n), int)}
    found: list[RuleInfo] = []
    for test_id, plugin in sorted(extension_loader.MANAGER.plugins_by_id.items()):
        try:
            own = inspect.getsource(plugin.plugin)
        except (OSError, TypeError):
            own = ""
        cwe = tuple(dict.fromkeys(f"CWE-{cwe_ids[n]}" for n in _BANDIT_CWE.findall(own) if cwe_ids.get(n)))
        found.append(
            RuleInfo(
                id=test_id,
                source="bandit",
                severity=_levels(own, "severity"),
                confidence=_levels(own, "confidence"),
                cwe=cwe,
                languages=("python",),
                title=str(plugin.name).replace("_", " "),
            )
        )
    for test_id, entries in sorted(extension_loader.MANAGER.blacklist_by_id.items()):
        entry = entries if isinstance(entries, dict) else entries[0]
        found.append(
            RuleInfo(
                id=test_id,
                source="bandit",
                severity=str(entry.get("level", "MEDIUM")).lower(),
                confidence="high",
                cwe=(f"CWE-{entry['cwe']}",) if entry.get("cwe") else (),
                languages=("python",),
                title=f"blacklist: {entry.get('name', '')}",
            )
        )
    return found


def all_rules(rules_dir: Path) -> list[RuleInfo]:
    return bundled_rules(rules_dir) + bandit_rules()
