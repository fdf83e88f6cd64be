import asyncio
import os
import shlex
import subprocess

from aiohttp import web
from django.http import HttpResponse
from flask import Flask, request

app = Flask(__name__)
TOOLS = ("uptime", "df")


@app.route("/ping")
def ping():
    host = request.args.get("host", "")
    # ruleid: taint-command-injection
    os.system("ping -c 1 " + host)
    # ruleid: taint-command-injection
    out = subprocess.check_output(f"nslookup {host}", shell=True)
    # ok: taint-command-injection
    os.system("ping -c 1 " + shlex.quote(host))
    # ok: taint-command-injection
    subprocess.run(["ping", "-c", "1", host], check=False)
    # ok: taint-command-injection
    subprocess.run("uptime", shell=True, check=False)
    return out


@app.route("/tool")
def tool():
    name = request.args["name"]
    if name not in TOOLS:
        return "no", 400
    # ok: taint-command-injection
    return subprocess.getoutput(name)


def archive(request, folder):
    # ruleid: taint-command-injection
    stream = os.popen("tar czf - %s" % folder)
    return HttpResponse(stream.read())


async def convert(request):
    data = await request.post()
    fmt = data["format"]
    # ruleid: taint-command-injection
    proc = await asyncio.create_subprocess_shell(f"convert in.png out.{fmt}")
    await proc.wait()
    count = int(data["count"])
    # ok: taint-command-injection
    os.system(f"seq {count}")
    return web.Response(text="ok")
