import random
import secrets
import string

from flask import Flask, make_response, session

app = Flask(__name__)


def new_reset_token():
    # ruleid: weak-random-for-secret
    return "".join(random.choice(string.ascii_letters) for _ in range(32))


def new_reset_token_safe():
    # ok: weak-random-for-secret
    return secrets.token_urlsafe(32)


@app.route("/remember")
def remember():
    resp = make_response("ok")
    value = str(random.random())[2:]
    # ruleid: weak-random-for-secret
    resp.set_cookie("rememberMe", value, secure=True, httponly=True)
    # ok: weak-random-for-secret
    resp.set_cookie("theme", "dark", secure=True, httponly=True)
    return resp


@app.route("/otp")
def otp():
    # ruleid: weak-random-for-secret
    session["otp"] = random.randint(100000, 999999)
    # ok: weak-random-for-secret
    session["otp2"] = secrets.randbelow(900000) + 100000
    return "sent"


def shuffle_deck(cards):
    # ok: weak-random-for-secret
    delay = random.uniform(0.1, 0.5)
    # ok: weak-random-for-secret
    colour = random.choice(["red", "blue"])
    return delay, colour


def make_api_key():
    # ruleid: weak-random-for-secret
    api_key = "%032x" % random.getrandbits(128)
    # A secret-named variable returned from a secret-named function is reported at both places.
    # ruleid: weak-random-for-secret
    return api_key
