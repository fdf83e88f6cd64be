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
        col = v if v in ALLOWED else "a"
        if col not in ALLOWED:
            return "bad"
        return str(query_db(f"SELECT {col} FROM notes"))


def query_db(sql, args=()):
    return sqlite3.connect("app.db").execute(sql, args).fetchall()
