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
    token = "".join(random.choice("abcdef0123456789") for _ in range(32))
    return token
