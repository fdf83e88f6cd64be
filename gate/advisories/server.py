"""An OSV-compatible HTTP API over the local store, on loopback, for the real pip-audit's --osv-url."""

from __future__ import annotations

import contextlib
import json
import re
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from gate.advisories.matching import PYPI, parse_version
from gate.advisories.store import AdvisoryStore
from gate.dependencies.pins import is_pep440

MAX_BODY = 4 * 1024 * 1024
MAX_BATCH = 1000
_PURL = re.compile(r"^pkg:pypi/(?P<name>[^@?#]+)(@(?P<version>[^?#]+))?$")


class BadRequest(ValueError):
    """Anything wrong with a request: answered with 400 and a JSON error, never a crash."""


def _package_and_version(query: Any) -> tuple[str, str]:
    if not isinstance(query, dict):
        raise BadRequest("a query must be a JSON object")
    package = query.get("package")
    if not isinstance(package, dict):
        raise BadRequest("query.package must be an object with name+ecosystem or purl")
    version = query.get("version")
    name: Any
    if "purl" in package:
        match = _PURL.match(str(package["purl"]))
        if match is None:
            raise BadRequest("query.package.purl must be pkg:pypi/NAME@VERSION (only PyPI is served)")
        name = urllib.parse.unquote(match.group("name"))
        purl_version = match.group("version")
        if purl_version is not None and version is not None:
            raise BadRequest("give the version in the purl or in query.version, not both")
        version = version if purl_version is None else urllib.parse.unquote(purl_version)
    else:
        name, ecosystem = package.get("name"), package.get("ecosystem")
        if not isinstance(name, str) or not name:
            raise BadRequest("query.package.name is required")
        if ecosystem != PYPI:
            raise BadRequest(f"ecosystem {ecosystem!r} is not served; only {PYPI}")
    if not isinstance(version, str) or not version:
        raise BadRequest("query.version is required (querying every version is not supported)")
    return canonicalize_name(name), version


def _served_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """Canonical name, and only PEP 440 events in ECOSYSTEM ranges.

    pip-audit compares `package.name` with the canonical name, and parses every `fixed` value of an
    ECOSYSTEM range as a PEP 440 version: one non-PEP 440 value (the PyPA snapshot has a `fixed:
    2019-09-12`) would crash it. Matching has already happened here, so dropping such an event from
    the served copy only costs pip-audit a fix version it could not have used.
    """
    ranges = [
        {**r, "events": [e for e in r.get("events") or [] if all(is_pep440(str(v)) for v in e.values())]}
        if r.get("type") == "ECOSYSTEM"
        else r
        for r in entry.get("ranges") or []
    ]
    served = {**entry, "package": {**entry["package"], "name": canonicalize_name(entry["package"]["name"])}}
    if "ranges" in entry:
        served["ranges"] = ranges
    return served


def for_client(record: dict[str, Any]) -> dict[str, Any]:
    """The copy of a record /v1/query answers with (see `_served_entry`)."""
    served = dict(record)
    served["affected"] = [
        _served_entry(entry) if (entry.get("package") or {}).get("ecosystem") == PYPI else entry
        for entry in record.get("affected") or []
    ]
    return served


def answer_query(store: AdvisoryStore, query: Any) -> list[dict[str, Any]]:
    """The records affecting the queried package version; raises BadRequest for a malformed query."""
    name, version_text = _package_and_version(query)
    try:
        version = parse_version(version_text)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    return [for_client(r) for r in store.query(name, version)]


def answer_batch(store: AdvisoryStore, body: Any) -> list[dict[str, Any]]:
    """One result per query, in order, each listing only id and modified (as OSV's querybatch does)."""
    queries = body.get("queries") if isinstance(body, dict) else None
    if not isinstance(queries, list) or len(queries) > MAX_BATCH:
        raise BadRequest(f"querybatch needs a 'queries' list of at most {MAX_BATCH}")
    results: list[dict[str, Any]] = []
    for index, query in enumerate(queries):
        try:
            records = answer_query(store, query)
        except BadRequest as exc:
            raise BadRequest(f"queries[{index}]: {exc}") from None
        results.append({"vulns": [{"id": r["id"], "modified": r.get("modified")} for r in records]})
    return results


class _Handler(BaseHTTPRequestHandler):
    server: _StoreServer
    protocol_version = "HTTP/1.1"
    timeout = 30  # a client that announces a body and never sends it does not hold a thread forever

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: request lines would only clutter the gate's own output."""

    def _send(self, status: HTTPStatus, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if status >= HTTPStatus.BAD_REQUEST:
            self.close_connection = True  # an unread or half-read body must not become the next request
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: HTTPStatus, message: str) -> None:
        codes = {HTTPStatus.BAD_REQUEST: 3, HTTPStatus.NOT_FOUND: 5}  # gRPC codes, as OSV's errors carry
        self._send(status, {"code": codes.get(status, 13), "message": message})

    def _body(self) -> Any:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            raise BadRequest("invalid Content-Length") from None
        if length <= 0 or length > MAX_BODY:
            raise BadRequest("a JSON body of at most 4 MiB is required")
        try:
            return json.loads(self.rfile.read(length))
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("the body is not valid JSON") from None

    def _guarded(self, respond: Any) -> None:
        try:
            respond()
        except BadRequest as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as exc:  # one bad request or record must not take the server down
            print(f"hardgate advisories server: {type(exc).__name__}: {exc}", file=sys.stderr)
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error ({type(exc).__name__})")

    def do_POST(self) -> None:
        self._guarded(self._post)

    def do_GET(self) -> None:
        self._guarded(self._get)

    def _post(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        store = self.server.store
        if path == "/v1/query":
            self._send(HTTPStatus.OK, {"vulns": answer_query(store, self._body())})
        elif path == "/v1/querybatch":
            self._send(HTTPStatus.OK, {"results": answer_batch(store, self._body())})
        else:
            self._error(HTTPStatus.NOT_FOUND, f"no such endpoint: POST {path}")

    def _get(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        prefix = "/v1/vulns/"
        vuln_id = urllib.parse.unquote(path[len(prefix) :]) if path.startswith(prefix) else ""
        if not vuln_id:
            self._error(HTTPStatus.NOT_FOUND, f"no such endpoint: GET {path}")
            return
        record = self.server.store.lookup(vuln_id)
        if record is None:
            self._error(HTTPStatus.NOT_FOUND, f"no vulnerability {vuln_id!r} in the store")
        else:
            self._send(HTTPStatus.OK, record)


class _StoreServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], store: AdvisoryStore) -> None:
        self.store = store
        try:
            super().__init__(address, _Handler)
        except BaseException:
            store.close()
            raise


def base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def make_server(store_path: Path, host: str = "127.0.0.1", port: int = 0) -> _StoreServer:
    """A server bound to host:port (0 = any free port), not yet serving; ConfigError for a bad store."""
    return _StoreServer((host, port), AdvisoryStore(store_path))


@contextlib.contextmanager
def running_server(store_path: Path, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve the store on an ephemeral loopback port for the duration; yields the /v1/query URL."""
    server = make_server(store_path, host, 0)
    thread = threading.Thread(target=server.serve_forever, name="osv-server", daemon=True)
    thread.start()
    try:
        yield f"{base_url(host, server.server_address[1])}/v1/query"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        server.store.close()
