"""Shared fixtures: real example trees copied to tmp (the shipped inventories too), the example
advisory store, a loopback moto server, fake scanner binaries for failure tests, and secret masking
in the reports of the infra and lab tests."""

from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
import yaml

from gate.findings import Finding, Location, Severity

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
VENV_BIN = Path(sys.executable).parent

FindingFactory = Callable[..., Finding]


@pytest.fixture(autouse=True)
def scanners_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gate finds scanners on PATH; make sure the venv's real ones are there."""
    monkeypatch.setenv("PATH", f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.fixture(autouse=True)
def private_scan_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own scan cache, so no test is answered from another's results."""
    monkeypatch.setenv("HARDGATE_CACHE_DIR", str(tmp_path / "hardgate-cache"))


@pytest.fixture
def sqli_app(tmp_path: Path) -> Path:
    target = tmp_path / "sqli-app"
    shutil.copytree(FIXTURES / "apps" / "sqli-app", target)
    return target


@pytest.fixture
def make_finding() -> FindingFactory:
    """make_finding(**fields): bandit's B608 (SQL built from a string) at app/db.py:7, any field replaced."""
    where = Location("app/db.py", 7, 7)
    base = Finding("bandit", "B608", "SQL injection", "string-built SQL", Severity.HIGH, location=where)

    def make(**fields: object) -> Finding:
        return base.replace(**fields)

    return make


@pytest.fixture
def make_dependency() -> Callable[..., Finding]:
    """make_dependency(package, version, vuln_id, **fields): pip-audit's HIGH finding for a pinned
    package (no title, message or location), any field replaced."""

    def make(package: str, version: str, vuln_id: str, **fields: object) -> Finding:
        return Finding("pip-audit", vuln_id, "", "", Severity.HIGH, package=package, version=version).replace(**fields)

    return make


@pytest.fixture(scope="session")
def commit_all() -> Callable[[Path], str]:
    """commit_all(folder): `folder` made a git repository with everything in it in one commit; that commit's sha."""

    def commit(folder: Path) -> str:
        for args in (
            ["init", "-q"],
            ["add", "-A"],
            ["-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "c"],
        ):
            subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True).stdout.strip()

    return commit


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the shipped inventories, role defaults and engine profiles, for tests that mutate an inventory. The
    generated vault files (local's, and the lab's written by make lab-up) are left out."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "inventories", root / "inventories", ignore=shutil.ignore_patterns("*.retry"))
    (root / "inventories" / "local" / "secrets.vault.yml").unlink(missing_ok=True)
    for generated in (root / "inventories" / "lab").glob("*/secrets.vault.yml"):
        generated.unlink()
    for kept in sorted([*REPO.glob("roles/*/defaults/main.yml"), *REPO.glob("roles/*/vars/profile.yml")]):
        target = root / kept.relative_to(REPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(kept, target)
    return root


@pytest.fixture(scope="session")
def example_advisories(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/advisories imported once by the real `hardgate advisories import`: the offline store
    the example scans query. Opened read-only by every scan, so the tests can share it."""
    store = tmp_path_factory.mktemp("example-advisories") / "advisories.db"
    command = [str(VENV_BIN / "hardgate"), "advisories", "import", str(REPO / "examples" / "advisories")]
    subprocess.run([*command, "--store", str(store)], check=True, capture_output=True)
    return store


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    """`moto_server -H 127.0.0.1 -p PORT`: an AWS API stand-in on loopback (dummy credentials); its URL."""
    port = _free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("moto_server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def aws_secret(moto: str) -> Callable[[str, str], None]:
    """aws_secret(name, value): store a secret in the `moto` server's Secrets Manager."""
    import boto3  # only the AWS backend tests need it

    client = boto3.client("secretsmanager", endpoint_url=moto, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip

    def create(name: str, value: str) -> None:
        client.create_secret(Name=name, SecretString=value)

    return create


class PassStore:
    """A throwaway GNUPGHOME with a passphrase-less key and a PASSWORD_STORE_DIR initialised for it,
    under `root`; `env` points pass (or a play using the pass backend) at them."""

    def __init__(self, root: Path) -> None:
        if shutil.which("pass") is None or shutil.which("gpg") is None:
            pytest.fail("pass and gpg are needed (make system-deps installs them)")
        home = root / "gnupg"
        home.mkdir(mode=0o700)
        self.env = {**os.environ, "GNUPGHOME": str(home), "PASSWORD_STORE_DIR": str(root / "store")}
        uid = "hardgate-test@example.invalid"
        gpg = ["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", ""]
        subprocess.run([*gpg, "--quick-gen-key", f"hardgate-test <{uid}>", "default", "default", "never"],
                       env=self.env, check=True, capture_output=True)  # fmt: skip
        subprocess.run(["pass", "init", uid], env=self.env, check=True, capture_output=True)

    def insert(self, path: str, value: str) -> None:
        """Multi-line, so a MariaDB key file or an age identity keeps every line."""
        subprocess.run(["pass", "insert", "--multiline", "--force", path], input=value + "\n", text=True,
                       env=self.env, check=True, capture_output=True)  # fmt: skip

    def close(self) -> None:
        subprocess.run(["gpgconf", "--kill", "all"], env=self.env, check=False, capture_output=True)


@pytest.fixture
def pass_store(tmp_path: Path) -> Iterator[PassStore]:
    """An empty PassStore for one test."""
    store = PassStore(tmp_path)
    yield store
    store.close()


@pytest.fixture(scope="module")
def module_pass_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PassStore]:
    """An empty PassStore shared by a module's tests (the infra converge seeds it once)."""
    store = PassStore(tmp_path_factory.mktemp("pass"))
    yield store
    store.close()


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Put a fake executable named NAME first on PATH, with the given shell body."""
    directory = tmp_path / "fake-bin"
    directory.mkdir()
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    # The gate looks beside its own interpreter before PATH; this search order puts the fakes first.
    monkeypatch.setenv("HARDGATE_SCANNER_PATH", f"{directory}{os.pathsep}{VENV_BIN}")

    def make(name: str, body: str) -> Path:
        path = directory / name
        path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return path

    return make


@pytest.fixture
def path_without(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A PATH holding links to every venv tool except the named ones: those scanners are missing."""

    def make(*missing: str) -> None:
        directory = tmp_path / "partial-bin"
        directory.mkdir(exist_ok=True)
        for entry in VENV_BIN.iterdir():
            if entry.name not in missing and not (directory / entry.name).exists():
                (directory / entry.name).symlink_to(entry)
        monkeypatch.setenv("PATH", f"{directory}{os.pathsep}/usr/bin{os.pathsep}/bin")
        monkeypatch.setenv("HARDGATE_SCANNER_PATH", os.environ["PATH"])  # not the venv beside the interpreter

    return make


# A failing test's report shows its arguments and the operands of the failed assert, and it goes
# to the terminal, CI logs and junit.xml. Every secret value a test loads is registered here and
# masked in the report before anything prints it. pytest shortens long reprs to a head and a tail,
# so any run of _MASK_WINDOW characters taken from a secret is masked, not only the whole value.
_HIDDEN_VALUES: set[str] = set()
_MASK_WINDOW = 6


def _mask(text: str) -> str:
    covered = bytearray(len(text))
    for value in _HIDDEN_VALUES:
        for start in range(len(value) - _MASK_WINDOW + 1):
            window = value[start : start + _MASK_WINDOW]
            at = text.find(window)
            while at != -1:
                covered[at : at + _MASK_WINDOW] = b"\x01" * _MASK_WINDOW
                at = text.find(window, at + 1)
    if not any(covered):
        return text
    spans = re.finditer(rb"\x01+", bytes(covered))
    pieces, last = [], 0
    for span in spans:
        pieces += [text[last : span.start()], "********"]
        last = span.end()
    return "".join([*pieces, text[last:]])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if not _HIDDEN_VALUES:
        return
    if report.longrepr is not None:
        text = str(report.longrepr)
        if _mask(text) != text:
            report.longrepr = _mask(text)
    report.sections = [(name, _mask(content)) for name, content in report.sections]


@pytest.fixture(scope="session")
def hide_secrets() -> Callable[[Iterable[str]], None]:
    """Register secret values (a vault's, a generated password) to be masked in test reports."""

    def hide(values: Iterable[str]) -> None:
        _HIDDEN_VALUES.update(str(value) for value in values if len(str(value)) >= _MASK_WINDOW)

    return hide


VaultReader = Callable[[Path, str, Path], dict[str, str]]


@pytest.fixture(scope="session")
def read_vault(hide_secrets: Callable[[Iterable[str]], None]) -> VaultReader:
    """read_vault(vault_file, vault_id, password_file): an environment's {name: value} secrets,
    decrypted in memory and registered for masking; a file that does not open fails in one line."""

    def read(vault_file: Path, vault_id: str, password_file: Path) -> dict[str, str]:
        done = subprocess.run(
            ["ansible-vault", "view", "--vault-id", f"{vault_id}@{password_file}", str(vault_file)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            pytest.fail(f"cannot open the {vault_id} vault file {vault_file} (ansible-vault exit {done.returncode})",
                        pytrace=False)  # fmt: skip
        values = {str(k): str(v) for k, v in yaml.safe_load(done.stdout)["hardgate_vault_secrets"].items()}
        hide_secrets(values.values())
        return values

    return read
