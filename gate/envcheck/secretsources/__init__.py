"""Where `hardgate secrets check` looks secrets up: one module per backend of roles/secrets.

Each source answers, per secret NAME, whether it holds a non-empty value; values stay inside the
source and are never returned, printed or logged.
"""

from __future__ import annotations

from gate.envcheck.secretsources.base import SecretSource, SecretState, SourceSettings
from gate.envcheck.secretsources.registry import source_for

__all__ = ["SecretSource", "SecretState", "SourceSettings", "source_for"]
