import xml.etree.ElementTree as ET

from flask import Flask, request
from lxml import etree

app = Flask(__name__)
TREE = etree.parse("users.xml")
ROOT = ET.parse("users.xml").getroot()


@app.route("/user")
def user():
    name = request.args["name"]
    # ruleid: taint-xpath-injection
    nodes = TREE.xpath(f"//user[@name='{name}']/email/text()")
    # ok: taint-xpath-injection
    nodes += TREE.xpath("//user[@name=$n]/email/text()", n=name)
    # ok: taint-xpath-injection
    nodes += TREE.xpath("//user/email/text()")
    return str(nodes)


@app.route("/role")
def role():
    # ruleid: taint-xpath-injection
    found = ROOT.findall("./user[@role='" + request.args["role"] + "']")
    # ok: taint-xpath-injection
    found += ROOT.findall(f"./user[@id='{int(request.args['id'])}']")
    return str(len(found))


@app.route("/compiled")
def compiled():
    # ruleid: taint-xpath-injection
    finder = etree.XPath("//item[@sku='%s']" % request.args["sku"])
    return str(finder(TREE))
