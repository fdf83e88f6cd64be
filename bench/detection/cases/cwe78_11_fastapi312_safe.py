import os, subprocess, pickle, random, hashlib, secrets, html, shlex, sqlite3, requests, yaml
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from lxml import etree
import ldap3
from Crypto.Cipher import DES, AES

api = FastAPI()
ALLOWED = {"a", "b"}
type Query = str


def first[T](items: list[T]) -> T:
    return items[0]


@api.get("/case")
async def case(request: Request):
    v = first([request.query_params.get("q", "")])
    label = f"{request.query_params.get("label", "none")}"
    out = subprocess.run(["ping", "-c", "1", v], capture_output=True).stdout
    return str(out)
