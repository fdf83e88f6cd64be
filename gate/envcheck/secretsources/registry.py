"""Backend name (the role's secrets_backend) -> source class."""

from __future__ import annotations

from gate.envcheck.secretsources.aws import AwsSecretsManagerSource
from gate.envcheck.secretsources.base import SecretSource, SourceSettings
from gate.envcheck.secretsources.hashivault import HashiVaultSource
from gate.envcheck.secretsources.passstore import PassSource
from gate.envcheck.secretsources.vaultfile import VaultFileSource
from gate.errors import ConfigError

SOURCES: dict[str, type[SecretSource]] = {
    cls.name: cls for cls in (VaultFileSource, PassSource, AwsSecretsManagerSource, HashiVaultSource)
}


def source_for(backend: str, settings: SourceSettings, where: str) -> SecretSource:
    try:
        return SOURCES[backend](settings)
    except KeyError:
        known = ", ".join(sorted(SOURCES))
        raise ConfigError(f"{where}: secrets_backend: {backend!r} is not one of {known}") from None
