import xml.sax
from xml.sax.handler import feature_external_ges

import defusedxml.ElementTree
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/import", methods=["POST"])
def import_xml():
    # ruleid: taint-xxe
    doc = etree.fromstring(request.data)
    return doc.tag


@app.route("/import-safe", methods=["POST"])
def import_safe():
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    # ok: taint-xxe
    doc = etree.fromstring(request.data, parser)
    return doc.tag


@app.route("/import-defused", methods=["POST"])
def import_defused():
    # ok: taint-xxe
    return defusedxml.ElementTree.fromstring(request.data).tag


@app.route("/sax", methods=["POST"])
def sax():
    parser = xml.sax.make_parser()
    parser.setFeature(feature_external_ges, True)
    # ruleid: taint-xxe
    parser.parse(request.files["doc"])
    return "ok"


@app.route("/config")
def config():
    # ok: taint-xxe
    return etree.parse("config.xml").getroot().tag
