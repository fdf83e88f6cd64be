import sqlite3

import flask
from django.db import connection
from django.http import HttpResponse
from django.views import View
from fastapi import FastAPI
from flask import Flask, request
from sqlalchemy import text

app = Flask(__name__)
api = FastAPI()
ALLOWED_COLUMNS = {"name", "created"}


def query_db(query, args=(), one=False):
    cur = sqlite3.connect("app.db").execute(query, args)
    return cur.fetchall()


def find_user(name):
    sql = f"SELECT * FROM users WHERE name = '{name}'"
    return query_db(sql)


def find_user_safe(name):
    return query_db("SELECT * FROM users WHERE name = ?", (name,))


@app.route("/login", methods=["POST"])
def login():
    # ruleid: taint-sql-injection
    query = "SELECT * FROM users WHERE user = '%s' AND pw = '%s'" % (request.form["user"], request.form["pw"])
    return str(query_db(query, one=True))


@app.route("/search")
def search():
    term = request.args.get("q", "")
    # ruleid: taint-sql-injection
    rows = query_db(f"SELECT id FROM posts WHERE title LIKE '%{term}%'")
    # ok: taint-sql-injection
    rows = query_db("SELECT id FROM posts WHERE title LIKE ?", (f"%{term}%",))
    return str(rows)


@app.route("/user/<name>")
def user(name):
    # A helper that builds the SQL from its parameter: taint does not cross functions.
    # todoruleid: taint-sql-injection
    return str(find_user(name))


@app.route("/user2/<name>")
def user2(name):
    # ok: taint-sql-injection
    return str(find_user_safe(name))


@app.route("/raw")
def raw():
    db = sqlite3.connect("app.db")
    # ruleid: taint-sql-injection
    return str(db.execute(flask.request.args["sql"]).fetchall())


@app.route("/sort")
def sort():
    column = request.args.get("sort", "name")
    if column not in ALLOWED_COLUMNS:
        flask.abort(400)
    # ok: taint-sql-injection
    return str(query_db(f"SELECT * FROM posts ORDER BY {column}"))


@app.route("/page")
def page():
    limit = int(request.args.get("limit", "10"))
    # ok: taint-sql-injection
    return str(query_db(f"SELECT * FROM posts LIMIT {limit}"))


@app.route("/const")
def const():
    table = "posts"
    # ok: taint-sql-injection
    return str(query_db(f"SELECT * FROM {table} WHERE id = ?", (request.args["id"],)))


@app.route("/dead")
def dead():
    value = request.args.get("v", "")
    value = "fixed"
    # ok: taint-sql-injection
    return str(query_db("SELECT * FROM t WHERE v = '%s'" % value))


@api.get("/items/{item_id}")
async def item(item_id: int, q: str | None = None):
    # ok: taint-sql-injection
    a = query_db(f"SELECT * FROM items WHERE id = {item_id}")
    # ruleid: taint-sql-injection
    b = query_db(f"SELECT * FROM items WHERE name = '{q}'")
    return a, b


class Report(View):
    def get(self, request, year):
        with connection.cursor() as cur:
            # ruleid: taint-sql-injection
            cur.execute("SELECT * FROM sales WHERE year = " + year)
            # ok: taint-sql-injection
            cur.execute("SELECT * FROM sales WHERE year = %s", [year])
        return HttpResponse("ok")


def orders(request):
    engine = get_engine()
    status = request.GET.get("status")
    # ruleid: taint-sql-injection
    engine.connect().execute(text("SELECT * FROM orders WHERE status = '{}'".format(status)))
    # ok: taint-sql-injection
    engine.connect().execute(text("SELECT * FROM orders WHERE status = :s"), {"s": status})
    # ok: taint-sql-injection
    print(f"Looking up orders and items for {status}")
    return HttpResponse("ok")
