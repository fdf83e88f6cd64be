"""The labelled detection corpus: cases kept as data (bench/detection/cases.yml), rendered into real files.

Each case is the few lines that differ (its body, plus module-level lines some cases need after the view)
and is written into the one frame of its framework below: imports, app object, route, view header and the
request parameter `v`. The case's labelled line (the first line of its body) is computed from the frame, so
no line number is written by hand. A case's file is named `cweNNN_MM_<framework>_<vuln|safe>.py`, MM being
its position in its CWE's list (from 01).

Usage: .venv/bin/python bench/detection_corpus.py DIR   (writes the corpus into DIR and lists it)
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent / "detection" / "cases.yml"


@dataclass(frozen=True)
class Frame:
    head: str  # everything above the case's body
    indent: str  # the body's indentation inside the view


FLASK = """\
import os, subprocess, pickle, random, hashlib, secrets, html, shlex, sqlite3, requests, yaml
from flask import Flask, request, redirect, session, make_response, send_file, url_for
from lxml import etree
import ldap3
from Crypto.Cipher import DES, AES

app = Flask(__name__)
ALLOWED = {"a", "b"}


@app.route("/case", methods=["GET", "POST"])
def case():
    v = request.args.get("q", "")
"""

DJANGO = """\
import os, subprocess, pickle, random, hashlib, secrets, html, shlex, sqlite3, requests, yaml
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect
from django.views import View
from lxml import etree
import ldap3
from Crypto.Cipher import DES, AES

ALLOWED = {"a", "b"}


class CaseView(View):
    def get(self, request):
        v = request.GET.get("q", "")
"""

# Python 3.12 syntax on purpose: a `type` alias, a generic function and a PEP 701 f-string (nested quotes).
FASTAPI312 = """\
import os, subprocess, pickle, random, hashlib, secrets, html, shlex, sqlite3, requests, yaml
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from lxml import etree
import ldap3
from Crypto.Cipher import DES, AES

api = FastAPI()
ALLOWED = {"a", "b"}
type Query = str


def first[T](items: list[T]) -> T:
    return items[0]


@api.get("/case")
async def case(request: Request):
    v = first([request.query_params.get("q", "")])
    label = f"{request.query_params.get("label", "none")}"
"""

FRAMES = {
    "flask": Frame(FLASK, " " * 4),
    "django": Frame(DJANGO, " " * 8),
    "fastapi312": Frame(FASTAPI312, " " * 4),
}
# The oldest Python whose grammar parses each frame's files.
FEATURE_VERSION = {"flask": (3, 11), "django": (3, 11), "fastapi312": (3, 12)}


@dataclass(frozen=True)
class Case:
    name: str  # the rendered file's name
    cwe: str
    vulnerable: bool
    framework: str
    body: str  # at the view's own indentation level, one newline at the end
    module: str  # module-level lines after the view ("" for none)

    @property
    def line(self) -> int:
        """The labelled line: the first line of the case's body."""
        return FRAMES[self.framework].head.count("\n") + 1

    @property
    def body_lines(self) -> range:
        """The file's line numbers (from 1) that hold the case's body."""
        return range(self.line, self.line + self.body.count("\n"))

    def text(self) -> str:
        frame = FRAMES[self.framework]
        rendered = frame.head + textwrap.indent(self.body, frame.indent)
        return rendered + "\n\n" + self.module if self.module else rendered


def load(path: Path = DATA) -> list[Case]:
    """Every case of the data file, in its order (CWE by CWE)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = []
    for cwe, entries in data.items():
        for position, entry in enumerate(entries, start=1):
            framework = entry["framework"]
            if framework not in FRAMES:
                raise ValueError(f"{cwe} case {position}: unknown framework {framework!r}")
            kind = "vuln" if entry["vulnerable"] else "safe"
            cases.append(
                Case(
                    name=f"{cwe.lower().replace('-', '')}_{position:02d}_{framework}_{kind}.py",
                    cwe=cwe,
                    vulnerable=bool(entry["vulnerable"]),
                    framework=framework,
                    body=entry["body"],
                    module=entry.get("module", ""),
                )
            )
    return cases


def render(into: Path, cases: list[Case] | None = None) -> dict[str, Case]:
    """Write each case as `into/<name>`; returns the cases by file name."""
    by_name = {}
    for case in load() if cases is None else cases:
        if case.name in by_name:
            raise ValueError(f"two cases render to {case.name}")
        (into / case.name).write_text(case.text(), encoding="utf-8")
        by_name[case.name] = case
    return by_name


if __name__ == "__main__":
    if len(sys.argv) != 2 or not Path(sys.argv[1]).is_dir():
        print("usage: detection_corpus.py DIR (an existing folder)", file=sys.stderr)
        sys.exit(2)
    for name in render(Path(sys.argv[1])):
        print(name)
