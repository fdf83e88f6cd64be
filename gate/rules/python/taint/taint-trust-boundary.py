from flask import Flask, request, session

app = Flask(__name__)
THEMES = ("light", "dark")


@app.route("/login", methods=["POST"])
def login():
    # ruleid: taint-trust-boundary
    session["user"] = request.form["user"]
    return "ok"


@app.route("/theme")
def theme():
    choice = request.args.get("theme", "light")
    if choice not in THEMES:
        choice = "light"
    # ok: taint-trust-boundary
    session["theme"] = choice
    return "ok"


@app.route("/page")
def page():
    # ok: taint-trust-boundary
    session["page"] = int(request.args.get("page", "1"))
    # ok: taint-trust-boundary
    session["visited"] = True
    return "ok"


def set_lang(request, lang):
    # ruleid: taint-trust-boundary
    request.session["lang"] = lang
    return None
