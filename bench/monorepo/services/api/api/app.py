import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.get("/users")
def users():
    connection = sqlite3.connect("app.db")
    name = request.args.get("name", "")
    return {"rows": connection.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchall()}
