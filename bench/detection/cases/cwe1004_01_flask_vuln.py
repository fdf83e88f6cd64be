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
    resp = make_response("ok")
    resp.set_cookie("sid", secrets.token_hex(8), secure=True)
    return resp
