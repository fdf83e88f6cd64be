"""aws_secretsmanager backend: secret id <prefix>/<name> in AWS Secrets Manager (boto3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gate.envcheck.secretsources.base import SecretSource, SecretState, state_of


class AwsSecretsManagerSource(SecretSource):
    name = "aws_secretsmanager"

    def where(self) -> str:
        endpoint = self.settings.get("secrets_aws_endpoint_url", "the AWS endpoint")
        return f"AWS Secrets Manager ({endpoint}) ids {self.prefix}/<name>"

    def _client(self) -> Any:
        import boto3  # type: ignore[import-untyped]  # optional: only this backend needs it

        session = boto3.session.Session(profile_name=self.settings.get("secrets_aws_profile"))
        return session.client(
            "secretsmanager",
            region_name=self.settings.get("secrets_aws_region"),
            endpoint_url=self.settings.get("secrets_aws_endpoint_url"),
        )

    def check(self, names: Sequence[str]) -> dict[str, tuple[SecretState, str]]:
        try:
            import botocore.exceptions  # type: ignore[import-untyped]

            client = self._client()
        except ImportError:
            return {name: (SecretState.UNREADABLE, "boto3 is not installed") for name in names}
        result = {}
        for name in names:
            try:
                answer = client.get_secret_value(SecretId=f"{self.prefix}/{name}")
            except botocore.exceptions.ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                state = SecretState.MISSING if code == "ResourceNotFoundException" else SecretState.UNREADABLE
                result[name] = (state, "" if state is SecretState.MISSING else code)
                continue
            except (botocore.exceptions.BotoCoreError, OSError) as exc:
                result[name] = (SecretState.UNREADABLE, type(exc).__name__)
                continue
            result[name] = (state_of(answer.get("SecretString") or ""), "")
        return result
