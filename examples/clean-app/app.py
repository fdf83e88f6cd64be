"""The orders service, done right: parameterised SQL, no shell, secrets from the environment, debug off."""

from flask import Flask, jsonify, request

import config
import db
import utils

app = Flask(__name__)


@app.route("/customers")
def customers():
    with db.connect() as conn:
        return jsonify(db.find_customer(conn, request.args.get("name", "")))


@app.route("/orders/<status>")
def orders(status):
    with db.connect() as conn:
        return jsonify(db.orders_by_status(conn, status, request.args.get("sort", "id")))


@app.route("/export", methods=["POST"])
def export():
    utils.export_orders(request.form["db"], request.form["target"])
    return "", 204


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8080, debug=config.DEBUG)
