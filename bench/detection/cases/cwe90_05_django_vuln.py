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
        conn = ldap3.Connection("ldap://ldap", auto_bind=True)
        conn.search("dc=example,dc=com", f"(uid={v})")
        return str(conn.entries)
