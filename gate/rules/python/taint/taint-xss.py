import html

from django.http import HttpResponse
from django.shortcuts import render
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from flask import Flask, Response, jsonify, make_response, render_template, render_template_string, request
from markupsafe import Markup, escape

app = Flask(__name__)
api = FastAPI()


@app.route("/hello")
def hello():
    name = request.args.get("name", "")
    # ruleid: taint-xss
    return f"<h1>Hello {name}</h1>"


@app.route("/hello2")
def hello2():
    name = request.args.get("name", "")
    # ok: taint-xss
    return f"<h1>Hello {escape(name)}</h1>"


@app.route("/hello3/<name>")
def hello3(name):
    # ok: taint-xss
    return render_template("hello.html", name=name)


@app.route("/api/echo")
def echo():
    # ok: taint-xss
    return jsonify(value=request.args.get("v"))


@app.route("/card")
def card():
    title = request.args["title"]
    resp = make_response("<div class='card'>" + title + "</div>")
    # ruleid: taint-xss
    return resp


@app.route("/plain")
def plain():
    # ok: taint-xss
    return Response(request.args["msg"], mimetype="text/plain")


@app.route("/tpl")
def tpl():
    # ruleid: taint-xss
    return render_template_string("<p>" + request.args["t"] + "</p>")


@app.route("/note")
def note():
    # ruleid: taint-xss
    note = Markup(request.cookies.get("note", ""))
    return render_template("note.html", note=note)


@app.route("/about")
def about():
    # ok: taint-xss
    return "<h1>About</h1>"


def search(request):
    q = request.GET.get("q", "")
    # ruleid: taint-xss
    return HttpResponse("<p>Results for %s</p>" % q)


def search_safe(request):
    q = request.GET.get("q", "")
    # ok: taint-xss
    return HttpResponse("<p>Results for %s</p>" % html.escape(q))


def search_tpl(request):
    # ok: taint-xss
    return render(request, "search.html", {"q": request.GET.get("q")})


@api.get("/page", response_class=HTMLResponse)
async def page(title: str):
    # ruleid: taint-xss
    return HTMLResponse(f"<title>{title}</title>")
