"""ENV006: no network prod lets in overlaps a network of dev or staging (real CIDR overlap).

Prod's allowances: application networks and every variable an engine profile lists under `networks`
(pg_hba addresses, MariaDB account hosts, listen and bind addresses). The other environments'
networks: the same, plus their hosts' addresses. Loopback is host-local and never counts.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from gate.envcheck.context import Context, as_list
from gate.envcheck.model import Inventory, Origin, Setting
from gate.envcheck.render import UNRESOLVED
from gate.envcheck.rules import finding
from gate.environments import ENVIRONMENTS
from gate.findings import Finding

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
EVERYWHERE = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))
#: The networks applications connect from, shared by every engine's role (inventories/*/group_vars/all.yml).
APP_NETWORKS = "hardgate_app_networks"


@dataclass(frozen=True)
class Allowance:
    network: Network
    text: str
    kind: str
    origin: Origin


def parse_network(text: str) -> list[Network]:
    """A CIDR, ip/netmask, single address, `all`, or a MariaDB host pattern (`%`, `10.1.%`); [] for names."""
    text = text.strip()
    if text in ("all", "%", "0.0.0.0/0", "::/0"):
        return list(EVERYWHERE)
    if text.endswith("%"):
        octets = [part for part in text.rstrip("%").split(".") if part]
        if len(octets) < 4 and all(part.isdigit() for part in octets):
            base = ".".join([*octets, *(["0"] * (4 - len(octets)))])
            return [ipaddress.ip_network(f"{base}/{8 * len(octets)}", strict=False)]
        return []
    try:
        return [ipaddress.ip_network(text, strict=False)]
    except ValueError:
        return []


def _usable(network: Network) -> bool:
    return not network.is_loopback


def _collect(setting: Setting, values: list[Any], kind: str) -> list[Allowance]:
    found = []
    for index, value in enumerate(values):
        if value is UNRESOLVED or not isinstance(value, str):
            continue
        origin = setting.item_origin(index) if setting.item_origins else setting.origin_of(value)
        for network in parse_network(value):
            if _usable(network):
                found.append(Allowance(network, value, kind, origin))
    return found


def allowances(ctx: Context, inventory: Inventory, with_hosts: bool) -> list[Allowance]:
    """Every network this environment lets in or lives on (hosts' addresses only when `with_hosts`)."""
    found: list[Allowance] = []
    for value, setting, _host in ctx.values(inventory, APP_NETWORKS):
        found.extend(_collect(setting, as_list(value), "application network"))
    for reference in (network for profile in ctx.profiles for network in profile.networks):
        for value, setting, _host in ctx.values(inventory, reference.variable):
            if reference.field is None:
                found.extend(_collect(setting, as_list(value), reference.label))
                continue
            for item in value if isinstance(value, list) else []:
                texts = as_list(item.get(reference.field)) if isinstance(item, dict) else []
                for text in (t for t in texts if isinstance(t, str)):
                    found.extend(_collect_text(setting, text, reference.label))
    if with_hosts:
        for value, setting, _host in ctx.values(inventory, "ansible_host"):
            if isinstance(value, str):
                found.extend(_collect_text(setting, value, "host address"))
    unique: dict[tuple[Network, Origin], Allowance] = {}
    for allowance in found:
        unique.setdefault((allowance.network, allowance.origin), allowance)
    return list(unique.values())


def _collect_text(setting: Setting, text: str, kind: str) -> list[Allowance]:
    return [
        Allowance(network, text, kind, setting.origin_of(text)) for network in parse_network(text) if _usable(network)
    ]


def _overlap(a: Network, b: Network) -> bool:
    return a.version == b.version and a.overlaps(b)


def check(ctx: Context) -> list[Finding]:
    prod = ctx.by_name().get("prod")
    if prod is None:
        return []
    others = [inventory for inventory in ctx.inventories if inventory.name in ENVIRONMENTS and inventory.name != "prod"]
    other_networks = {inventory.name: allowances(ctx, inventory, with_hosts=True) for inventory in others}
    findings: list[Finding] = []
    for allowance in allowances(ctx, prod, with_hosts=False):
        for env, networks in other_networks.items():
            hit = next((n for n in networks if _overlap(allowance.network, n.network)), None)
            if hit is None:
                continue
            findings.append(
                finding(
                    "ENV006",
                    f"prod {allowance.kind} {allowance.text} overlaps {env} {hit.kind} {hit.text} "
                    f"({hit.origin}); prod must not admit dev or staging networks",
                    allowance.origin,
                    "prod",
                )
            )
    return findings
