"""Helpers for the orders service. DELIBERATELY INSECURE: scanned by Hardgate's tests, never run."""

import hashlib
import pickle
import subprocess

import requests


def hash_password(password):
    return hashlib.md5(password.encode()).hexdigest()


def export_orders(dbname, target):
    subprocess.run(f"pg_dump --table=orders {dbname} > {target}", shell=True, check=True)


def fetch_exchange_rates(url):
    return requests.get(url, timeout=10, verify=False).json()


def restore_cart(cookie_value):
    return pickle.loads(cookie_value)
