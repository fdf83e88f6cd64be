import os
from pathlib import Path

from django.http import FileResponse
from flask import Flask, abort, request, send_file
from werkzeug.utils import secure_filename

app = Flask(__name__)
UPLOADS = Path("/srv/uploads")
REPORTS = ("daily.csv", "weekly.csv")


@app.route("/download")
def download():
    name = request.args["file"]
    # ruleid: taint-path-traversal
    with open(os.path.join("/srv/uploads", name), "rb") as fh:
        data = fh.read()
    # ok: taint-path-traversal
    with open(os.path.join("/srv/uploads", secure_filename(name)), "rb") as fh:
        data += fh.read()
    # ok: taint-path-traversal
    with open(os.path.join("/srv/uploads", os.path.basename(name)), "rb") as fh:
        data += fh.read()
    return data


@app.route("/doc/<path:doc>")
def doc(doc):
    # ruleid: taint-path-traversal
    return send_file(UPLOADS / doc)


@app.route("/view")
def view():
    target = (UPLOADS / request.args["p"]).resolve()
    if not target.is_relative_to(UPLOADS):
        abort(403)
    # ok: taint-path-traversal
    return target.read_text()


@app.route("/report")
def report():
    name = request.args.get("r", "daily.csv")
    if name not in REPORTS:
        abort(404)
    # ok: taint-path-traversal
    return send_file(f"/srv/reports/{name}")


@app.route("/delete", methods=["POST"])
def delete():
    # ruleid: taint-path-traversal
    os.remove("/srv/uploads/" + request.form["name"])
    # ok: taint-path-traversal
    os.remove("/srv/uploads/cache.tmp")
    return "ok"


def export(request, name):
    # ruleid: taint-path-traversal
    return FileResponse(open(f"/srv/exports/{name}.csv", "rb"))


# A command-line option is the operator's own input, not a request: click and typer decorators
# are not routes.
import click


@click.command()
@click.option("--output", type=str)
def export_report(output: str | None) -> None:
    # ok: taint-path-traversal
    with open(output, "w") as handle:
        handle.write("report")
