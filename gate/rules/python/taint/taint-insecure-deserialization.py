import base64
import json
import pickle

import yaml
from flask import Flask, request

app = Flask(__name__)


@app.route("/restore", methods=["POST"])
def restore():
    blob = base64.b64decode(request.form["state"])
    # ruleid: taint-insecure-deserialization
    state = pickle.loads(blob)
    # ok: taint-insecure-deserialization
    data = json.loads(request.form["json"])
    return str((state, data))


@app.route("/config", methods=["POST"])
def config():
    # ruleid: taint-insecure-deserialization
    cfg = yaml.load(request.data, Loader=yaml.Loader)
    # ok: taint-insecure-deserialization
    safe = yaml.safe_load(request.data)
    # ok: taint-insecure-deserialization
    also_safe = yaml.load(request.data, Loader=yaml.SafeLoader)
    return str((cfg, safe, also_safe))


@app.route("/cache")
def cache():
    with open("/var/cache/app/state.pkl", "rb") as fh:
        # ok: taint-insecure-deserialization
        return str(pickle.load(fh))


def session_restore(request):
    # ruleid: taint-insecure-deserialization
    return pickle.loads(base64.b64decode(request.COOKIES["state"]))
