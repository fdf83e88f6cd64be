"""Helpers for the orders service. DELIBERATELY INSECURE: scanned by Hardgate's tests, never run."""

import hashlib

import requests


def hash_password(password):
    return hashlib.md5(password.encode()).hexdigest()


def fetch_exchange_rates(url):
    return requests.get(url, timeout=10, verify=False).json()
