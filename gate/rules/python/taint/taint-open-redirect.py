from urllib.parse import urlparse

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from flask import Flask, redirect, request, url_for

app = Flask(__name__)
api = FastAPI()
ALLOWED_HOSTS = {"example.com"}


@app.route("/login")
def login():
    nxt = request.args.get("next", "/")
    # ruleid: taint-open-redirect
    return redirect(nxt)


@app.route("/go")
def go():
    target = request.args["to"]
    if urlparse(target).netloc not in ALLOWED_HOSTS:
        return redirect("/")
    # ok: taint-open-redirect
    return redirect(target)


@app.route("/profile")
def profile():
    user = request.args["u"]
    # ok: taint-open-redirect
    return redirect(url_for("show_user", name=user))


@app.route("/tag")
def tag():
    # ok: taint-open-redirect
    return redirect(f"/tags/{request.args['t']}")


@app.route("/home")
def home():
    # ok: taint-open-redirect
    return redirect("/")


def logout(request):
    nxt = request.GET.get("next", "/")
    # ruleid: taint-open-redirect
    return HttpResponseRedirect(nxt)


def logout_safe(request):
    nxt = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        nxt = "/"
    # ok: taint-open-redirect
    return HttpResponseRedirect(nxt)


@api.get("/out")
async def out(url: str):
    # ruleid: taint-open-redirect
    return RedirectResponse(url)
