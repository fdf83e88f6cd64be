"""The orders service. DELIBERATELY INSECURE: scanned by Hardgate's tests, never run."""

import base64
import pickle
import subprocess

import requests
from flask import Flask, jsonify, redirect, request, send_file

import db

app = Flask(__name__)


@app.route("/customers")
def customers():
    name = request.args.get("name", "")
    # Flaw: the query is built from the request with an f-string and run by a helper.
    return jsonify(db.query_db(f"SELECT id, name, email FROM customers WHERE name = '{name}'"))


@app.route("/orders", methods=["POST"])
def orders():
    status = request.form["status"]
    # Flaw: `%` builds the query from the form; query_db() executes whatever it is given.
    query = "SELECT id, total FROM orders WHERE status = '%s'" % status
    return jsonify(db.query_db(query))


@app.route("/export", methods=["POST"])
def export():
    dbname, target = request.form["db"], request.form["target"]
    # Flaw: form fields become part of a shell command line.
    subprocess.run(f"pg_dump --table=orders {dbname} > {target}", shell=True, check=True)
    return "", 204


@app.route("/cart")
def cart():
    # Flaw: the cart cookie is unpickled, so whoever writes the cookie runs code here.
    items = pickle.loads(base64.b64decode(request.cookies["cart"]))
    return jsonify(items)


@app.route("/invoices")
def invoice():
    # Flaw: the file name comes from the query string, so `../../etc/passwd` walks out of the folder.
    path = "/srv/invoices/" + request.args["file"]
    return send_file(path)


@app.route("/login/done")
def login_done():
    # Flaw: an open redirect to wherever `next` points.
    return redirect(request.args.get("next", "/"))


@app.route("/preview")
def preview():
    # Flaw: the server fetches any URL the client names (SSRF: cloud metadata, internal services).
    url = request.args["url"]
    return jsonify(status=requests.get(url, timeout=5).status_code)


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080, debug=True)
