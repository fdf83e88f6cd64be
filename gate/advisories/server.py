"""An OSV-compatible HTTP API over the local store, on loopback, for the real pip-audit's --osv-url."""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from gate.advisories.matching import PYPI, parse_version
from gate.advisories.store import AdvisoryStore

MAX_BODY = 4 * 1024 * 1024
MAX_BATCH = 1000
_PURL = re.compile(r"^pkg:pypi/(?P<name>[^@?#]+)(@(?P<version>[^?#]+))?")


class BadRequest(ValueError):
    """Anything wrong with a request: answered with 400 and a JSON error, never a crash."""


def _package_and_version(query: Any) -> tuple[str, str]:
    if not isinstance(query, dict):
        raise BadRequest("a query must be a JSON object")
    package = query.get("package")
    if not isinstance(package, dict):
        raise BadRequest("query.package must be an object with name+ecosystem or purl")
    version = query.get("version")
    if "purl" in package:
        match = _PURL.match(str(package["purl"]))
        if match is None:
            raise BadRequest("only pkg:pypi purls are served")
        name = match.group("name")
        version = version or match.group("version")
    else:
        name, ecosystem = package.get("name"), package.get("ecosystem")
        if not isinstance(name, str) or not name:
            raise BadRequest("query.package.name is required")
        if ecosystem != PYPI:
            raise BadRequest(f"ecosystem {ecosystem!r} is not served; only {PYPI}")
    if not isinstance(version, str) or not version:
        raise BadRequest("query.version is required (querying every version is not supported)")
    return canonicalize_name(name), version


def _for_client(record: dict[str, Any]) -> dict[str, Any]:
    """pip-audit compares affected package names with canonical names; serve them canonical."""
    served = dict(record)
    served["affected"] = [
        {**entry, "package": {**entry["package"], "name": canonicalize_name(entry["package"]["name"])}}
        if (entry.get("package") or {}).get("ecosystem") == PYPI
        else entry
        for entry in record.get("affected") or []
    ]
    return served


def answer_query(store: AdvisoryStore, query: Any) -> list[dict[str, Any]]:
    name, version_text = _package_and_version(query)
    try:
        version = parse_version(version_text)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    return [_for_client(r) for r in store.query(name, version)]


class _Handler(BaseHTTPRequestHandler):
    server: _StoreServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: request lines would only clutter the gate's own output."""

    def _send(self, status: HTTPStatus, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

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

    def do_POST(self) -> None:
        store = self.server.store
        try:
            if self.path == "/v1/query":
                self._send(HTTPStatus.OK, {"vulns": answer_query(store, self._body())})
            elif self.path == "/v1/querybatch":
                body = self._body()
                queries = body.get("queries") if isinstance(body, dict) else None
                if not isinstance(queries, list) or len(queries) > MAX_BATCH:
                    raise BadRequest(f"querybatch needs a 'queries' list of at most {MAX_BATCH}")
                results = [
                    {"vulns": [{"id": r["id"], "modified": r.get("modified")} for r in answer_query(store, q)]}
                    for q in queries
                ]
                self._send(HTTPStatus.OK, {"results": results})
            else:
                self._send(HTTPStatus.NOT_FOUND, {"code": 5, "message": f"no such endpoint {self.path}"})
        except BadRequest as exc:
            self._send(HTTPStatus.BAD_REQUEST, {"code": 3, "message": str(exc)})

    def do_GET(self) -> None:
        prefix = "/v1/vulns/"
        if not self.path.startswith(prefix) or len(self.path) == len(prefix):
            self._send(HTTPStatus.NOT_FOUND, {"code": 5, "message": f"no such endpoint {self.path}"})
            return
        record = self.server.store.lookup(self.path[len(prefix) :])
        if record is None:
            self._send(HTTPStatus.NOT_FOUND, {"code": 5, "message": "Bug not found."})
        else:
            self._send(HTTPStatus.OK, _for_client(record))


class _StoreServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], store: AdvisoryStore) -> None:
        self.store = store
        super().__init__(address, _Handler)


def make_server(store_path: Path, host: str = "127.0.0.1", port: int = 0) -> _StoreServer:
    return _StoreServer((host, port), AdvisoryStore(store_path))


@contextlib.contextmanager
def running_server(store_path: Path, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve the store on an ephemeral loopback port for the duration; yields the /v1/query URL."""
    server = make_server(store_path, host, 0)
    thread = threading.Thread(target=server.serve_forever, name="osv-server", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}/v1/query"
    finally:
        server.shutdown()
        server.server_close()
        server.store.close()
