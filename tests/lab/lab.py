"""The three-host lab (docs/lab.md): dev-db, staging-db and prod-db as real hosts on this machine.

    python tests/lab/lab.py up      # build or reuse the root filesystem, start the hosts, wait for SSH
    python tests/lab/lab.py down    # stop every lab process, remove namespaces, links and root filesystems
    python tests/lab/lab.py status  # what runs

Each host is a Debian 12 root filesystem (debootstrap from this machine's own apt source, built
once and cached as a tarball), run in its own network, mount, UTS, IPC and PID namespaces, with
sshd as its only service until Ansible converges it. The hosts share one bridge on 198.18.0.0/24
(RFC 2544 benchmarking space) and have no default route, so nothing leaves the lab. The host
table comes from inventories/lab/<env>/hosts.yml; nothing here repeats it. Run as root.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import ipaddress
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
# The guard-flip test points this at an altered copy (tests/lab/test_guard_flip.py).
INVENTORIES = Path(os.environ.get("HARDGATE_LAB_INVENTORIES", REPO / "inventories" / "lab"))
STATE = Path(os.environ.get("HARDGATE_LAB_STATE", "/var/lib/hardgate-lab"))
CACHE = Path(os.environ.get("HARDGATE_LAB_CACHE", "/var/cache/hardgate-lab"))
BRIDGE = "hglab0"
BRIDGE_ADDRESS = "198.18.0.1/24"  # the control node's side: Ansible and pytest reach the hosts from here
SUITE = "bookworm"
# What every lab host carries before Ansible touches it: sshd and the Python Ansible needs, plus the
# database packages the roles install (the hosts have no route to an apt mirror, so the roles find
# them installed, as on an air-gapped host). tini is PID 1 so daemons the roles start get reaped.
PACKAGES = [
    *("openssh-server", "sudo", "python3", "python3-apt", "tini", "iproute2", "procps", "openssl"),
    *("ca-certificates", "logrotate", "postgresql-15", "postgresql-contrib", "postgresql-15-pgaudit"),
    *("python3-psycopg2", "python3-cryptography", "mariadb-server", "mariadb-client", "python3-pymysql"),
    # Backups and encryption at rest (pgBackRest, mariadb-backup | age), CIS 4.8 (set_user), and
    # brute-force bans (fail2ban with nftables).
    *("pgbackrest", "postgresql-15-set-user", "mariadb-backup", "age", "fail2ban", "nftables"),
]
SSH_DIR = STATE / "ssh"
SSH_KEY = SSH_DIR / "id_ed25519"
KNOWN_HOSTS = SSH_DIR / "known_hosts"
VAULT_DIR = STATE / "vault"
PKI_DIR = STATE / "pki"


class LabError(Exception):
    """A lab step failed; the message says which and why."""


@dataclass(frozen=True)
class LabHost:
    name: str
    env: str
    address: str
    namespace: str

    @property
    def root(self) -> Path:
        return STATE / "hosts" / self.name / "rootfs"

    @property
    def pid_file(self) -> Path:
        return STATE / "hosts" / self.name / "pid"

    @property
    def veth(self) -> str:
        return f"hgl-{self.env}"[:15]


def lab_hosts() -> list[LabHost]:
    """The hosts of inventories/lab/<env>/hosts.yml (address and namespace are host variables)."""
    hosts = []
    for hosts_file in sorted(INVENTORIES.glob("*/hosts.yml")):
        env = hosts_file.parent.name
        document = yaml.safe_load(hosts_file.read_text(encoding="utf-8"))
        for name, variables in (document["all"].get("hosts") or {}).items():
            hosts.append(LabHost(name, env, variables["ansible_host"], variables["hardgate_lab_namespace"]))
    if not hosts:
        raise LabError(f"no lab hosts in {INVENTORIES}/*/hosts.yml")
    network = ipaddress.ip_interface(BRIDGE_ADDRESS).network
    for host in hosts:
        if ipaddress.ip_address(host.address) not in network:
            raise LabError(f"{host.name}: {host.address} is outside the lab bridge network {network}")
    return hosts


def run(*argv: str | Path, check: bool = True, **kwargs: object) -> subprocess.CompletedProcess[str]:
    args = [str(a) for a in argv]
    done = subprocess.run(args, text=True, capture_output=True, **kwargs)  # type: ignore[call-overload]
    if check and done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise LabError(f"{' '.join(args[:4])}: exit {done.returncode}: {' | '.join(tail)}")
    return done  # type: ignore[no-any-return]


def log(message: str) -> None:
    print(f"lab: {message}", flush=True)


# --- the root filesystem ------------------------------------------------------------------------


def apt_source() -> str:
    """The first Debian archive URI this machine's apt is configured with (deb822 or one-line)."""
    for path in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("URIs:") and "security" not in line:
                return line.split()[1]
    for path in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*.list"))]:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                fields = line.split()
                if fields[:1] == ["deb"] and "security" not in line:
                    return next(f for f in fields[1:] if "://" in f)
    raise LabError("no Debian apt source configured on this machine (/etc/apt/sources.list*)")


# command -> the Debian package that provides it on the control node
TOOLS = {"debootstrap": "debootstrap", "ip": "iproute2", "ssh": "openssh-client", "ssh-keygen": "openssh-client"}


def ensure_tools() -> None:
    missing = sorted({package for command, package in TOOLS.items() if shutil.which(command) is None})
    if missing:
        log(f"installing {' '.join(missing)}")
        apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run("apt-get", "update", "-qq", env=apt_env)
        run("apt-get", "install", "-y", "-qq", *missing, env=apt_env)


def rootfs_tarball() -> Path:
    """The cached root filesystem, built when missing; its name changes with the package set."""
    mirror = apt_source()
    key = hashlib.sha256(" ".join([SUITE, mirror, *PACKAGES]).encode()).hexdigest()[:12]
    tarball = CACHE / f"rootfs-{SUITE}-{key}.tar"
    if tarball.exists():
        log(f"root filesystem from cache {tarball}")
        return tarball
    started = time.monotonic()
    ensure_tools()
    build = CACHE / f"build-{key}"
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    log(f"debootstrap {SUITE} (minbase) into {build}")
    run("debootstrap", "--variant=minbase", "--include=ca-certificates", SUITE, build, mirror)
    # No service may start inside the build: it would run on this machine's own network.
    policy = build / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n", encoding="utf-8")
    policy.chmod(0o755)
    for source in Path("/etc/apt/sources.list.d").glob("*.sources"):
        shutil.copy(source, build / "etc/apt/sources.list.d" / source.name)
    if any(Path("/etc/apt/sources.list.d").glob("*.sources")):
        (build / "etc/apt/sources.list").unlink(missing_ok=True)
    shutil.copy("/etc/resolv.conf", build / "etc/resolv.conf")
    log(f"installing {len(PACKAGES)} packages into the root filesystem")
    install = (
        f"mount -t proc proc {build}/proc && "
        f"chroot {build} apt-get update -qq && "
        f"DEBIAN_FRONTEND=noninteractive chroot {build} apt-get install -y -qq --no-install-recommends "
        + " ".join(PACKAGES)
        + f" && chroot {build} apt-get clean"
    )
    run("unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", install)
    policy.unlink()
    for key_file in (build / "etc/ssh").glob("ssh_host_*"):
        key_file.unlink()  # every host gets its own host keys
    (build / "etc/resolv.conf").write_text("# the lab has no DNS\n", encoding="utf-8")
    partial = tarball.with_suffix(".partial")
    run("tar", "-C", build, "--numeric-owner", "-cf", partial, ".")
    partial.rename(tarball)
    shutil.rmtree(build)
    for stale in CACHE.glob(f"rootfs-{SUITE}-*.tar"):
        if stale != tarball:
            stale.unlink()
    log(f"root filesystem built and cached in {time.monotonic() - started:.0f}s: {tarball}")
    return tarball


# --- hosts ----------------------------------------------------------------------------------------

INIT = """set -e
R={root}
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount -t tmpfs -o mode=0755 tmpfs "$R/run"
mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm"
mkdir -p "$R/dev/pts"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$R/dev/pts"
ln -sf pts/ptmx "$R/dev/ptmx" 2>/dev/null || true
mkdir -p "$R/run/sshd"  # a fresh /run, as after a boot: the services make their own directories
hostname {name}
exec chroot "$R" /usr/bin/tini -- /usr/sbin/sshd -D -e
"""


def prepare_root(host: LabHost, tarball: Path, hosts: list[LabHost]) -> None:
    shutil.rmtree(host.root.parent, ignore_errors=True)
    host.root.mkdir(parents=True)
    run("tar", "-C", host.root, "--numeric-owner", "-xf", tarball)
    (host.root / "etc/hostname").write_text(f"{host.name}\n", encoding="utf-8")
    lines = ["127.0.0.1 localhost", "::1 localhost ip6-localhost ip6-loopback"]
    lines += [f"{h.address} {h.name}" for h in hosts]
    (host.root / "etc/hosts").write_text("\n".join(lines) + "\n", encoding="utf-8")
    run("ssh-keygen", "-A", "-f", host.root)
    ssh = host.root / "root/.ssh"
    ssh.mkdir(mode=0o700, exist_ok=True)
    (ssh / "authorized_keys").write_text(SSH_KEY.with_suffix(".pub").read_text(encoding="utf-8"), encoding="utf-8")
    (ssh / "authorized_keys").chmod(0o600)
    (host.root / "etc/ssh/sshd_config.d/hardgate-lab.conf").write_text(
        f"ListenAddress {host.address}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\nUseDNS no\n",
        encoding="utf-8",
    )


def add_network(host: LabHost) -> None:
    run("ip", "netns", "add", host.namespace)
    run("ip", "link", "add", host.veth, "type", "veth", "peer", "name", "eth0", "netns", host.namespace)
    run("ip", "link", "set", host.veth, "master", BRIDGE, "up")
    inside = ("ip", "netns", "exec", host.namespace)
    run(*inside, "ip", "link", "set", "lo", "up")
    run(*inside, "ip", "addr", "add", f"{host.address}/24", "dev", "eth0")
    run(*inside, "ip", "link", "set", "eth0", "up")


def start(host: LabHost) -> None:
    logfile = (host.root.parent / "host.log").open("a", encoding="utf-8")
    process = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            host.namespace,
            "unshare",
            "--mount",
            "--uts",
            "--ipc",
            "--pid",
            "--kill-child",
            "--propagation",
            "private",
            "--",
            "/bin/sh",
            "-c",
            INIT.format(root=host.root, name=host.name),
        ],
        stdin=subprocess.DEVNULL,
        stdout=logfile,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    host.pid_file.write_text(f"{process.pid}\n", encoding="utf-8")


def ssh_argv(host: LabHost) -> list[str]:
    return [
        "ssh",
        "-i",
        str(SSH_KEY),
        "-o",
        f"UserKnownHostsFile={KNOWN_HOSTS}",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=3",
        f"root@{host.address}",
    ]


def wait_for_ssh(host: LabHost, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if run(*ssh_argv(host), "true", check=False).returncode == 0:
            return
        time.sleep(0.5)
    tail = (host.root.parent / "host.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()[-2:]
    raise LabError(f"{host.name}: no SSH on {host.address} after {timeout:.0f}s ({' | '.join(tail)})")


def init_secrets(hosts: list[LabHost]) -> None:
    """Random secrets per environment, vault-encrypted with that environment's own vault id."""
    VAULT_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    for env in sorted({h.env for h in hosts}):
        # The names (and key kinds) the engine profiles give for this environment's hosts.
        names = run(Path(sys.executable).parent / "hardgate", "secrets", "names", "--env", env,
                    "--inventories", INVENTORIES).stdout.split()  # fmt: skip
        run(
            sys.executable,
            REPO / "roles/secrets/scripts/init_env_secrets.py",
            "--env",
            env,
            "--vault-file",
            INVENTORIES / env / "secrets.vault.yml",
            "--password-file",
            VAULT_DIR / f"{env}.pass",
            *names,
        )


def up() -> None:
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network namespaces, mounts, chroot)")
    hosts = lab_hosts()
    if any(h.pid_file.exists() for h in hosts):
        raise LabError("the lab is already up; run 'make lab-down' first")
    started = time.monotonic()
    try:
        ensure_tools()
        tarball = rootfs_tarball()
        SSH_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not SSH_KEY.exists():
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "hardgate-lab", "-f", SSH_KEY)
        run("ip", "link", "add", BRIDGE, "type", "bridge")
        run("ip", "addr", "add", BRIDGE_ADDRESS, "dev", BRIDGE)
        run("ip", "link", "set", BRIDGE, "up")
        known = []
        for host in hosts:
            prepare_root(host, tarball, hosts)
            public = (host.root / "etc/ssh/ssh_host_ed25519_key.pub").read_text(encoding="utf-8").split()
            known.append(f"{host.address} {public[0]} {public[1]}")
            add_network(host)
            start(host)
            log(f"{host.name} ({host.env}) starting on {host.address} in namespace {host.namespace}")
        KNOWN_HOSTS.write_text("\n".join(known) + "\n", encoding="utf-8")
        for host in hosts:
            wait_for_ssh(host)
        init_secrets(hosts)
    except BaseException:
        log("lab-up failed; cleaning up")
        down(quiet=True)
        raise
    log(f"up in {time.monotonic() - started:.0f}s: " + ", ".join(f"{h.name}={h.address}" for h in hosts))


def lab_processes(hosts: list[LabHost]) -> list[int]:
    """Every process whose root directory is inside a lab host's root filesystem."""
    roots = {str(h.root) for h in hosts}
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            root = os.readlink(proc / "root")
        except OSError:
            continue
        if root in roots:
            found.append(int(proc.name))
    return found


def down(quiet: bool = False) -> None:
    hosts = lab_hosts()
    for host in hosts:
        if host.pid_file.exists():
            pid = int(host.pid_file.read_text(encoding="utf-8"))
            # unshare --kill-child takes the host's PID 1, and with it its PID namespace.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while (left := lab_processes(hosts)) and time.monotonic() < deadline:
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
    if left:
        raise LabError(f"lab processes survive SIGKILL: {left}")
    for host in hosts:
        run("ip", "netns", "del", host.namespace, check=False)
        run("ip", "link", "del", host.veth, check=False)
    run("ip", "link", "del", BRIDGE, check=False)
    shutil.rmtree(STATE, ignore_errors=True)
    for vault_file in INVENTORIES.glob("*/secrets.vault.yml"):
        vault_file.unlink()
    if not quiet:
        log("down: no lab namespace, process, link or root filesystem left")


def status() -> int:
    hosts = lab_hosts()
    namespaces = run("ip", "netns", "list", check=False).stdout
    running = lab_processes(hosts)
    for host in hosts:
        present = host.namespace in namespaces
        print(f"{host.name:<12} {host.env:<8} {host.address:<14} namespace {'up' if present else 'absent'}")
    print(f"lab processes: {len(running)}")
    return 0 if running else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up", "down", "status", "rootfs"])
    command = parser.parse_args().command
    # ansible-vault and friends come from the interpreter's own virtualenv.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    try:
        if command == "up":
            up()
        elif command == "down":
            down()
        elif command == "rootfs":
            rootfs_tarball()
        else:
            return status()
    except LabError as exc:
        print(f"lab: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
