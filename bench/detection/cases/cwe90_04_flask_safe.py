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
    conn = ldap3.Connection("ldap://ldap", auto_bind=True)
    conn.search("dc=example,dc=com", "(objectClass=person)")
    return str(conn.entries)
