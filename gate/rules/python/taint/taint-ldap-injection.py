import ldap
import ldap.filter
import ldap3
from ldap3.utils.conv import escape_filter_chars
from flask import Flask, request

app = Flask(__name__)
BASE = "ou=people,dc=example,dc=com"


@app.route("/who")
def who():
    uid = request.args["uid"]
    conn = ldap3.Connection(ldap3.Server("ldap://ldap"), auto_bind=True)
    # ruleid: taint-ldap-injection
    conn.search(BASE, f"(&(objectClass=person)(uid={uid}))", attributes=["cn"])
    # ok: taint-ldap-injection
    conn.search(BASE, f"(&(objectClass=person)(uid={escape_filter_chars(uid)}))", attributes=["cn"])
    # ok: taint-ldap-injection
    conn.search(BASE, "(objectClass=person)", attributes=["cn"])
    return str(conn.entries)


@app.route("/mail")
def mail():
    conn = ldap.initialize("ldap://ldap")
    addr = request.args.get("mail", "")
    # ruleid: taint-ldap-injection
    found = conn.search_s(BASE, ldap.SCOPE_SUBTREE, "(mail=" + addr + ")")
    # ok: taint-ldap-injection
    found += conn.search_s(BASE, ldap.SCOPE_SUBTREE, "(mail=%s)" % ldap.filter.escape_filter_chars(addr))
    return str(found)


def group(request, name):
    conn = ldap3.Connection("ldap://ldap", auto_bind=True)
    # ruleid: taint-ldap-injection
    conn.search(BASE, "(cn=%s)" % name)
    uid_number = int(request.GET["n"])
    # ok: taint-ldap-injection
    conn.search(BASE, f"(uidNumber={uid_number})")
    return conn.entries
