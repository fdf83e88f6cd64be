import urllib.request
from urllib.parse import urlparse

import httpx
import requests
from flask import Flask, abort, request

app = Flask(__name__)
ALLOWED_HOSTS = {"api.example.com"}


@app.route("/fetch")
def fetch():
    url = request.args["url"]
    # ruleid: taint-ssrf
    return requests.get(url, timeout=5).text


@app.route("/fetch2")
def fetch2():
    url = request.args["url"]
    if urlparse(url).hostname not in ALLOWED_HOSTS:
        abort(400)
    # ok: taint-ssrf
    return requests.get(url, timeout=5).text


@app.route("/item/<item_id>")
def item(item_id):
    # ok: taint-ssrf
    return requests.get(f"https://api.example.com/items/{item_id}", timeout=5).text


@app.route("/avatar")
def avatar():
    # ruleid: taint-ssrf
    with urllib.request.urlopen(request.args["src"]) as resp:
        return resp.read()


@app.route("/status")
def status():
    # ok: taint-ssrf
    return requests.get("https://status.example.com/health", timeout=5).text


@app.route("/hook", methods=["POST"])
def hook():
    target = request.json["callback"]
    with httpx.Client() as client:
        # ruleid: taint-ssrf
        client.post(target, json={"ok": True})
    return "sent"


@app.route("/proxy")
def proxy():
    host = request.args["host"]
    # ruleid: taint-ssrf
    return httpx.get("http://" + host + "/metrics").text
