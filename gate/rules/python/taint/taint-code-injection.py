import ast
import json

import jinja2
from fastapi import FastAPI, Request
from flask import Flask, request

app = Flask(__name__)
api = FastAPI()
OPERATIONS = {"sum": sum, "max": max}


@app.route("/calc")
def calc():
    expr = request.args.get("expr", "1+1")
    # ruleid: taint-code-injection
    value = eval(expr)
    # ok: taint-code-injection
    literal = ast.literal_eval(expr)
    # ok: taint-code-injection
    fixed = eval("2 * 21")
    return str((value, literal, fixed))


@app.route("/run", methods=["POST"])
def run():
    code = request.get_data(as_text=True)
    # ruleid: taint-code-injection
    exec(compile(code, "<req>", "exec"))
    return "done"


@app.route("/op")
def op():
    name = request.args["op"]
    numbers = json.loads(request.args["n"])
    # ok: taint-code-injection
    return str(OPERATIONS[name](numbers))


@app.route("/greet")
def greet():
    template = request.args.get("t", "Hello")
    # ruleid: taint-code-injection
    return jinja2.Template(template).render()


@api.post("/eval")
async def evaluate(request: Request):
    body = await request.json()
    # ruleid: taint-code-injection
    return {"result": eval(body["expr"])}


@api.get("/square")
async def square(n: int):
    # ok: taint-code-injection
    return {"result": eval(f"{n} * {n}")}
