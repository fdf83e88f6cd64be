"""Filter: MariaDB mysql_native_password hash computed on the control node.

Passing the hash (``encrypted: true``) instead of the password means the plaintext never
reaches the server, so no audit, general or slow log can ever record it, and
community.mysql can compare hashes for idempotence while still rotating changed passwords.
"""

import hashlib

from ansible.errors import AnsibleFilterError


def mariadb_native_password(password):
    """Return '*' + upper(hex(sha1(sha1(password)))) like MariaDB's PASSWORD()."""
    if not isinstance(password, str) or not password:
        raise AnsibleFilterError("mariadb_native_password: expected a non-empty string")
    inner = hashlib.sha1(password.encode("utf-8")).digest()  # noqa: S324 - the protocol's own hash
    return "*" + hashlib.sha1(inner).hexdigest().upper()  # noqa: S324


class FilterModule:
    def filters(self):
        return {"mariadb_native_password": mariadb_native_password}
