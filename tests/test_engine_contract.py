"""One contract between the gate and the roles: every engine profile setting, mutated in a copy of the
shipped inventories, gets the same verdict from envcheck and from the role's own asserts (run by
ansible-playbook in check mode). The profiles also agree with the roles' argument specs and defaults.

Nothing here names a setting: the mutations come from the profiles, so a new engine's profile is
covered as soon as its role ships one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.envcheck import check_inventories
from gate.envcheck.checker import EnvcheckOptions
from gate.envcheck.context import Context
from gate.envcheck.contract import normalise, violation
from gate.envcheck.inventory import load_inventories
from gate.envcheck.needs import secret_names
from gate.envcheck.profiles import EngineProfile, ProfileSetting, load_profiles, read_profile
from gate.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROFILES = load_profiles(REPO)
#: The environments whose inventories are mutated: prod (the issue's) and staging (limits of its own).
COMPARED = ("staging", "prod")
RECAP = re.compile(r"^(m\d+)\s*:\s.*\bfailed=(\d+)", re.MULTILINE)


def role_of(profile: EngineProfile) -> str:
    return Path(profile.source).parts[1]  # roles/<role>/vars/profile.yml


def role_defaults(profile: EngineProfile) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "roles" / role_of(profile) / "defaults/main.yml").read_text())
    return loaded


@dataclass(frozen=True)
class Mutation:
    profile: EngineProfile
    setting: ProfileSetting
    environment: str
    value: Any
    also: tuple[tuple[str, Any], ...] = ()  # other variables set with it (a setting's `unless` condition)


def _shaped(default: Any, items: list[Any]) -> Any:
    """A value in the variable's own shape: a list, a comma-separated string or one scalar."""
    if isinstance(default, list):
        return items
    if isinstance(default, str) and len(items) != 1:
        return ", ".join(map(str, items))
    return items[0] if items else ""


def candidate_values(setting: ProfileSetting, default: Any, base_item: dict[str, Any]) -> list[Any]:
    """Every value worth trying: each step of the order, a value outside it, each required member
    dropped, each forbidden value, numbers either side of the minimum."""
    if setting.kind == "number":
        limits = [int(limit) for limit in setting.limits.values()]
        return [*sorted({n for limit in limits for n in (limit - 1, limit)}), "soon"]
    if setting.kind == "forbid":
        return [_shaped(default, [item]) for items in setting.limits.values() for item in items]
    if setting.kind == "set":
        members = sorted(setting.members)
        values = [_shaped(default, [m for m in members if m != dropped]) for dropped in members]
        values += [_shaped(default, [token]) for token in setting.expand]
        values += [_shaped(default, [*setting.expand, f"-{m}"]) for m in members if setting.expand]
        return [*values, _shaped(default, [])]
    steps = list(setting.order) + ([] if setting.boolean else ["bogus"])
    if setting.field is not None:
        return [[{**base_item, setting.field: step}] for step in steps]
    return [_shaped(default, [step]) for step in steps]


@pytest.fixture(scope="module")
def inventories(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dev, staging and prod of the shipped inventories, the role defaults and the profiles."""
    root = tmp_path_factory.mktemp("contract")
    for env in ("dev", "staging", "prod"):
        shutil.copytree(REPO / "inventories" / env, root / "inventories" / env)
    for kept in [*REPO.glob("roles/*/defaults/main.yml"), *REPO.glob("roles/*/vars/profile.yml")]:
        (root / kept.relative_to(REPO)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(kept, root / kept.relative_to(REPO))
    return root


def first_host(root: Path, environment: str, group: str) -> tuple[str, dict[str, Any]]:
    hosts = yaml.safe_load((root / "inventories" / environment / "hosts.yml").read_text())
    name, variables = next(iter(hosts["all"]["children"][group]["hosts"].items()))
    return name, dict(variables or {})


def base_item(root: Path, environment: str, profile: EngineProfile, variable: str) -> dict[str, Any]:
    """The first item of a list variable as the inventory resolves it: the other keys the role needs."""
    inventory = next(i for i in load_inventories(root / "inventories", root) if i.name == environment)
    host = inventory.hosts_in(profile.group)[0]
    value = Context(root=root, inventories=[inventory]).resolver(inventory, host).get(variable, [])
    return dict(value[0]) if isinstance(value, list) and value and isinstance(value[0], dict) else {}


def mutations(root: Path) -> list[Mutation]:
    found = []
    for profile in PROFILES:
        defaults = role_defaults(profile)
        for environment in COMPARED:
            for setting in profile.settings:
                item = base_item(root, environment, profile, setting.variable) if setting.field else {}
                for value in candidate_values(setting, defaults.get(setting.variable), item):
                    found.append(Mutation(profile, setting, environment, value))
                    if setting.unless:  # the same value while the exemption holds
                        found.append(Mutation(profile, setting, environment, value, tuple(setting.unless.items())))
    return found


def envcheck_refuses(root: Path, mutation: Mutation) -> bool:
    """Whether envcheck reports a rule of the variable's settings in that environment once the first
    engine host of the environment carries the mutated value as a host variable."""
    hosts_file = root / "inventories" / mutation.environment / "hosts.yml"
    original = hosts_file.read_text()
    hosts = yaml.safe_load(original)
    name, _ = first_host(root, mutation.environment, mutation.profile.group)
    host = hosts["all"]["children"][mutation.profile.group]["hosts"][name]
    host.update({mutation.setting.variable: mutation.value, **dict(mutation.also)})
    hosts_file.write_text(yaml.safe_dump(hosts, sort_keys=False))
    try:
        found = check_inventories(root / "inventories", EnvcheckOptions(), root=root).findings
    finally:
        hosts_file.write_text(original)
    # Every setting on the variable counts: one variable may carry two minimums (a CIS control, a retention need).
    rules = {s.rule for s in mutation.profile.settings if s.variable == mutation.setting.variable}
    return any(f.rule_id in rules and dict(f.extra).get("environment") == mutation.environment for f in found)


def role_refusals(root: Path, batch: list[Mutation], work: Path) -> dict[int, bool]:
    """The role's assert tasks, in check mode, on one local host per mutation (plus m0, unmutated):
    which hosts failed. The hosts take the environment's group_vars and the real host's variables."""
    profile, environment = batch[0].profile, batch[0].environment
    _, real = first_host(root, environment, profile.group)
    facts = {"ansible_default_ipv4": {"address": real.get("ansible_host", "192.0.2.1")}}
    common = {**real, **facts, "ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    hosts = {"m0": dict(common)}
    for index, mutation in enumerate(batch, 1):
        hosts[f"m{index}"] = {**common, mutation.setting.variable: mutation.value, **dict(mutation.also)}
    folder = work / f"{role_of(profile)}-{environment}"
    shutil.copytree(root / "inventories" / environment / "group_vars", folder / "group_vars")
    (folder / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {profile.group: {"hosts": hosts}}}}))
    playbook = folder / "assert.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "hosts": profile.group,
                    "gather_facts": False,
                    "tasks": [
                        {
                            "name": "Run the role's asserts",
                            "ansible.builtin.include_role": {"name": role_of(profile), "tasks_from": "assert"},
                        }
                    ],
                }
            ]
        )
    )
    env = {**os.environ, "ANSIBLE_ROLES_PATH": str(REPO / "roles"), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORKS": "20"}
    env.pop("ANSIBLE_CONFIG", None)
    done = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(folder / "hosts.yml"), str(playbook), "--check"],
        capture_output=True, text=True, env=env, timeout=900, check=False,
    )  # fmt: skip
    failed = {int(name[1:]): int(count) > 0 for name, count in RECAP.findall(done.stdout)}
    assert len(failed) == len(hosts), done.stdout[-3000:] + done.stderr[-2000:]
    assert failed[0] is False, f"the unmutated {environment} host is refused:\n{done.stdout[-3000:]}"
    return failed


@pytest.mark.slow
def test_envcheck_and_the_roles_refuse_the_same_inventories(inventories: Path, tmp_path: Path) -> None:
    every = mutations(inventories)
    batches: dict[tuple[str, str], list[Mutation]] = {}
    for mutation in every:
        batches.setdefault((mutation.profile.engine, mutation.environment), []).append(mutation)
    disagreements = []
    refused = accepted = 0
    for batch in batches.values():
        role = role_refusals(inventories, batch, tmp_path)
        for index, mutation in enumerate(batch, 1):
            gate = envcheck_refuses(inventories, mutation)
            refused, accepted = refused + gate, accepted + (not gate)
            if gate != role[index]:
                disagreements.append(
                    f"{mutation.environment} {mutation.setting.variable}={mutation.value!r} {dict(mutation.also)}: "
                    f"envcheck {'refuses' if gate else 'accepts'}, the role {'refuses' if role[index] else 'accepts'}"
                )
    assert not disagreements, "\n".join(disagreements)
    # Both verdicts occur for every engine, so neither side can pass by refusing (or accepting) everything.
    assert refused > 0 and accepted > 0
    assert {m.profile.engine for m in every} == {p.engine for p in PROFILES} and len(PROFILES) >= 2


# --- the profiles agree with the roles' argument specs and defaults ---


def _options(profile: EngineProfile) -> dict[str, Any]:
    specs = yaml.safe_load((REPO / "roles" / role_of(profile) / "meta/argument_specs.yml").read_text())
    options: dict[str, Any] = specs["argument_specs"]["main"]["options"]
    return options


def _allowed(setting: ProfileSetting) -> set[Any]:
    """The values of the order at or above the floor every environment keeps."""
    floor = setting.limits.get("all")
    return set(setting.order[setting.order.index(normalise(setting, floor)) :] if floor is not None else setting.order)


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.engine)
def test_argument_spec_choices_stay_inside_the_profile(profile: EngineProfile) -> None:
    """A choice the argument spec offers is one the profile orders, and none is below the floor every
    environment keeps; set settings offer every member they are measured on."""
    options = _options(profile)
    checked = 0
    for setting in profile.settings:
        spec = options[setting.variable]
        if setting.field is not None:
            spec = spec["options"][setting.field]
        choices = spec.get("choices")
        if setting.boolean:
            assert spec["type"] == "bool", setting.variable
        elif setting.kind == "set" and choices is not None:
            offered = {normalise(setting, c) for c in choices}
            assert setting.members | set(setting.expand) <= offered, setting.variable
        elif setting.kind == "rank" and choices is not None:
            offered = {normalise(setting, c) for c in choices}
            assert offered <= _allowed(setting), f"{setting.variable}: {offered - _allowed(setting)}"
        checked += 1
    assert checked == len(profile.settings)


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.engine)
@pytest.mark.parametrize("environment", ["local", "dev", "staging", "prod"])
def test_role_defaults_meet_every_environments_minimum(profile: EngineProfile, environment: str) -> None:
    """A host that sets nothing is accepted everywhere: the defaults are the strong values."""
    defaults = role_defaults(profile)
    broken = []
    for setting in profile.settings:
        # A templated default (one value per environment) is resolved by Ansible: the mutation test covers it.
        if setting.variable in defaults and "{{" not in str(defaults[setting.variable]):
            wrong = violation(setting, defaults[setting.variable], _NoSwitches(), environment)
            if wrong is not None:
                broken.append(f"{setting.variable}: {wrong[0]}")
    assert broken == []


class _NoSwitches:
    """A resolver whose `also` switches are all off (the defaults keep them off)."""

    def get(self, name: str, default: Any = None) -> Any:
        return default


# --- the secret names: envcheck's `hardgate secrets check` and the roles read the same list ---


def role_secret_names(inventory: Path, profile: EngineProfile, work: Path) -> dict[str, list[str]]:
    """host -> the names roles/db_contract's secret_names task computes from the profile, per host."""
    playbook = work / f"names-{role_of(profile)}.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "hosts": profile.group,
                    "gather_facts": False,
                    "roles": [{"role": role_of(profile), "tags": ["never"]}],  # its defaults, none of its tasks
                    "tasks": [
                        {"name": "Load the profile", "ansible.builtin.include_vars": str(REPO / profile.source)},
                        {
                            "name": "List the names",
                            "ansible.builtin.include_role": {"name": "db_contract", "tasks_from": "secret_names"},
                            "vars": {"db_contract_profile": "{{ " + f"{role_of(profile)}_profile" + " }}"},
                        },
                        {"name": "Show them", "ansible.builtin.debug": {"var": "db_contract_secret_names"}},
                    ],
                }
            ]
        )
    )
    env = {**os.environ, "ANSIBLE_ROLES_PATH": str(REPO / "roles"), "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}
    env.pop("ANSIBLE_CONFIG", None)
    done = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory / "hosts.yml"), str(playbook), "--check",
         "-e", "ansible_connection=local", "-e", '{"ansible_default_ipv4": {"address": "192.0.2.1"}}'],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    tasks = json.loads(done.stdout)["plays"][0]["tasks"]
    shown = next(t for t in tasks if t["task"]["name"] == "Show them")
    return {host: sorted(result["db_contract_secret_names"]) for host, result in shown["hosts"].items()}


@pytest.mark.slow
@pytest.mark.parametrize("environment", ["local", "dev", "staging", "prod"])
def test_envcheck_and_the_roles_name_the_same_secrets(environment: str, tmp_path: Path) -> None:
    """Per host, the names envcheck reads from the profile are the role's; `hardgate secrets names`
    (what `make local-secrets` generates) lists their union."""
    inventory = next(i for i in load_inventories(REPO / "inventories", REPO) if i.name == environment)
    ctx = Context(root=REPO, inventories=[inventory])
    every: set[str] = set()
    for profile in PROFILES:
        from_role = role_secret_names(REPO / "inventories" / environment, profile, tmp_path)
        assert from_role and all(from_role.values()), from_role
        for host in inventory.hosts_in(profile.group):
            resolver = ctx.resolver(inventory, host)
            names = sorted({n for reference in profile.secrets for n in secret_names(resolver, reference)})
            assert names == from_role[host.name], host.name
            every.update(names)
    listed = subprocess.run(
        [str(BIN / "hardgate"), "secrets", "names", "--env", environment, "--inventories", str(REPO / "inventories")],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout.split()  # fmt: skip
    assert {line.split(":")[0] for line in listed} == every
    assert "mariadb_encryption_keys:mariadb-keyfile" in listed and "postgres_superuser" in listed


def test_the_walk_through_profile_in_the_docs_is_a_valid_profile(tmp_path: Path) -> None:
    """docs/adding-an-engine.md's example profile passes the same schema the gate applies."""
    text = (REPO / "docs" / "adding-an-engine.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL) if "_profile:" in b)
    path = tmp_path / "profile.yml"
    path.write_text(block, encoding="utf-8")
    profile = read_profile(path, "docs/adding-an-engine.md")
    assert profile.engine == "MongoDB" and {s.kind for s in profile.settings} == {"rank", "set", "forbid"}
    path.write_text(block.replace("rule: ENV008", "rule: TLS"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"settings\.0\.rule"):
        read_profile(path, "broken")


def test_a_malformed_profile_is_one_line_and_exit_2(repo: Path) -> None:
    profile = repo / "roles" / "mariadb_hardening" / "vars" / "profile.yml"
    profile.write_text(profile.read_text().replace("order: [NONE, SSL, X509]", "order: NONE"), encoding="utf-8")
    done = subprocess.run(
        [str(BIN / "hardgate"), "envcheck", str(repo / "inventories")], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "roles/mariadb_hardening/vars/profile.yml: settings.2.order" in done.stderr


def test_secret_names_of_a_nested_inventory_set_take_the_repositorys_role_defaults() -> None:
    """inventories/lab/prod sets neither pgBackRest nor MariaDB encryption: the role defaults (on) apply,
    found in the repository's roles/ above inventories/lab, so their secrets are named (lab.py creates them)."""
    listed = subprocess.run(
        [str(BIN / "hardgate"), "secrets", "names", "--env", "prod", "--inventories", str(REPO / "inventories/lab")],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout.split()  # fmt: skip
    assert "pgbackrest_repo_passphrase" in listed
    assert "mariadb_encryption_keys:mariadb-keyfile" in listed and "mariadb_backup_age_identity:age-identity" in listed
