import httpx
import requests


def fetch(url, ca):
    # ruleid: tls-verify-disabled
    requests.get(url, verify=False)
    # ruleid: tls-verify-disabled
    requests.post(url, json={}, timeout=5, verify=False)
    # ruleid: tls-verify-disabled
    client = httpx.Client(verify=False)
    session = requests.Session()
    # ruleid: tls-verify-disabled
    session.verify = False
    # ok: tls-verify-disabled
    requests.get(url, timeout=5)
    # ok: tls-verify-disabled
    requests.get(url, timeout=5, verify=ca)
    # ok: tls-verify-disabled
    httpx.get(url, verify=True)
    return client
