"""The one interface every secret source implements."""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class SecretState(enum.Enum):
    OK = "ok"
    MISSING = "missing"
    EMPTY = "empty"
    UNREADABLE = "unreadable"  # the backend could not be asked (unreachable, denied, wrong password)


@dataclass(frozen=True)
class SourceSettings:
    """What a source needs: the environment, its inventory folder and its resolved secrets_* variables."""

    environment: str
    inventory_dir: Path
    variables: Mapping[str, Any]
    vault_password_file: Path | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        value = self.variables.get(name)
        return default if value in (None, "") else value


class SecretSource(ABC):
    """One backend: look names up, report a state per name (with a reason that never holds a value)."""

    name: str

    def __init__(self, settings: SourceSettings) -> None:
        self.settings = settings

    @property
    def prefix(self) -> str:
        return str(self.settings.get("secrets_path_prefix", f"hardgate/{self.settings.environment}")).strip("/")

    @abstractmethod
    def where(self) -> str:
        """Where the secrets are looked up, for the report (no credentials)."""

    @abstractmethod
    def check(self, names: Sequence[str]) -> dict[str, tuple[SecretState, str]]:
        """{name: (state, reason)} for every name."""


def state_of(value: str | None) -> SecretState:
    if value is None:
        return SecretState.MISSING
    return SecretState.OK if value.strip() else SecretState.EMPTY
