"""The orders service. DELIBERATELY INSECURE: scanned by Hardgate's tests, never run."""

from flask import Flask, jsonify, request

import db
import utils

app = Flask(__name__)


@app.route("/customers")
def customers():
    conn = db.connect()
    return jsonify(db.find_customer(conn, request.args.get("name", "")))


@app.route("/orders/<status>")
def orders(status):
    conn = db.connect()
    return jsonify(db.orders_by_status(conn, status))


@app.route("/export", methods=["POST"])
def export():
    utils.export_orders(request.form["db"], request.form["target"])
    return "", 204


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080, debug=True)
