"""Data access for the orders service. DELIBERATELY INSECURE: scanned by Hardgate's tests, never run."""

import psycopg

from config import DATABASE_URL


def connect():
    return psycopg.connect(DATABASE_URL)


def query_db(query, args=()):
    """Run a query; safe only if the caller passed the values in `args`, which app.py does not."""
    with connect() as conn, conn.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchall()


def find_customer(conn, name):
    # Looks like SQL injection, but nothing in this file shows where `name` comes from: shape only.
    with conn.cursor() as cur:
        cur.execute(f"SELECT id, name, email FROM customers WHERE name = '{name}'")
        return cur.fetchall()


def connect_admin():
    return psycopg.connect(host="db.internal", dbname="orders", user="postgres", password="postgres", sslmode="disable")
