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
        return hashlib.sha256(v.encode()).hexdigest()
