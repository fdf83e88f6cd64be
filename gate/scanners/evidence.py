"""How much each bandit test proves: the one table the policy's `advisory_evidence` works from.

EXACT: the flagged code is the flaw whatever data reaches it (debug mode on, certificate checks off,
a weak hash or cipher, a hard-coded password, an unsafe loader). SHAPE: the code only looks like a
flaw; whether it is one depends on where the data comes from, which bandit does not follow (a SQL
string built with `%`, `import subprocess`, `shell=True`, `eval`). A shape finding becomes a flow
when a semgrep taint rule traces attacker data to the same line (gate/dedup.py merges them).

Semgrep rules declare their own evidence in their metadata (`hardgate-evidence`).
"""

from __future__ import annotations

from gate.findings import Evidence

_SHAPE = Evidence.SHAPE
_EXACT = Evidence.EXACT

BANDIT_EVIDENCE: dict[str, Evidence] = {
    "B101": _SHAPE,  # assert used: a flaw only if the assert guards security
    "B102": _SHAPE,  # exec: dangerous only with attacker input
    "B103": _EXACT,  # chmod with a permissive mode
    "B104": _SHAPE,  # the string "0.0.0.0", wherever it appears
    "B105": _EXACT,  # hard-coded password string
    "B106": _EXACT,  # hard-coded password argument
    "B107": _EXACT,  # hard-coded password default
    "B108": _SHAPE,  # a /tmp path literal
    "B110": _SHAPE,  # try/except/pass
    "B112": _SHAPE,  # try/except/continue
    "B113": _EXACT,  # HTTP request without a timeout
    "B201": _EXACT,  # Flask debug=True
    "B202": _SHAPE,  # tarfile.extractall: unsafe only on untrusted archives
    "B301": _SHAPE,  # pickle: unsafe only on untrusted data
    "B302": _SHAPE,  # marshal
    "B303": _EXACT,  # MD5/SHA1 (older bandit id for weak hashes)
    "B304": _EXACT,  # insecure cipher
    "B305": _EXACT,  # insecure cipher mode
    "B306": _EXACT,  # tempfile.mktemp: racy whatever the name
    "B307": _SHAPE,  # eval
    "B308": _SHAPE,  # mark_safe
    "B310": _SHAPE,  # urlopen: file:// only matters with an attacker URL
    "B311": _SHAPE,  # random: a flaw only for tokens and secrets
    "B312": _EXACT,  # telnet: clear text
    "B313": _SHAPE,  # XML parsers: XXE needs untrusted XML
    "B314": _SHAPE,
    "B315": _SHAPE,
    "B316": _SHAPE,
    "B317": _SHAPE,
    "B318": _SHAPE,
    "B319": _SHAPE,
    "B320": _SHAPE,
    "B321": _EXACT,  # FTP: clear text
    "B323": _EXACT,  # unverified SSL context
    "B324": _EXACT,  # weak hash used for security
    "B401": _SHAPE,  # imports: B401-B415 flag a module being imported, nothing more
    "B402": _SHAPE,
    "B403": _SHAPE,
    "B404": _SHAPE,
    "B405": _SHAPE,
    "B406": _SHAPE,
    "B407": _SHAPE,
    "B408": _SHAPE,
    "B409": _SHAPE,
    "B410": _SHAPE,
    "B411": _SHAPE,
    "B412": _SHAPE,
    "B413": _SHAPE,
    "B414": _SHAPE,
    "B415": _SHAPE,
    "B501": _EXACT,  # requests verify=False
    "B502": _EXACT,  # SSL/TLS protocol version known to be broken
    "B503": _EXACT,  # bad default TLS version
    "B504": _SHAPE,  # no TLS version given: depends on the library's default
    "B505": _EXACT,  # weak key size
    "B506": _EXACT,  # yaml.load without a safe loader
    "B507": _EXACT,  # SSH host key not verified
    "B508": _EXACT,  # SNMP v1/v2
    "B509": _EXACT,  # SNMP without encryption
    "B601": _SHAPE,  # paramiko exec_command
    "B602": _SHAPE,  # subprocess with shell=True: injection needs attacker input
    "B603": _SHAPE,  # subprocess without a shell
    "B604": _SHAPE,  # shell=True on another function
    "B605": _SHAPE,  # os.system and friends
    "B606": _SHAPE,  # process started without a shell
    "B607": _SHAPE,  # partial executable path
    "B608": _SHAPE,  # SQL built from strings: injection needs attacker input
    "B609": _SHAPE,  # wildcard in a command
    "B610": _SHAPE,  # Django extra()
    "B611": _SHAPE,  # Django RawSQL
    "B612": _EXACT,  # logging.config.listen
    "B613": _EXACT,  # trojan-source bidirectional characters
    "B614": _SHAPE,  # torch.load
    "B615": _SHAPE,  # Hugging Face download without a pinned revision
    "B701": _EXACT,  # Jinja2 autoescape=False
    "B702": _SHAPE,  # Mako templates
    "B703": _SHAPE,  # Django mark_safe
    "B704": _SHAPE,  # markupsafe.Markup on a value
}


def bandit_evidence(test_id: str) -> Evidence:
    """A test this table does not know keeps blocking as before (EXACT): a new bandit test is never quietly demoted."""
    return BANDIT_EVIDENCE.get(test_id.upper(), Evidence.EXACT)
