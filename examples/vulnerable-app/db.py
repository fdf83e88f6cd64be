"""Data access for the orders service. DELIBERATELY INSECURE: scanned by Hardgate's tests, never run."""

import psycopg

from config import DATABASE_URL


def connect():
    return psycopg.connect(DATABASE_URL)


def find_customer(conn, name):
    with conn.cursor() as cur:
        cur.execute(f"SELECT id, name, email FROM customers WHERE name = '{name}'")
        return cur.fetchall()


def orders_by_status(conn, status):
    query = "SELECT id, total FROM orders WHERE status = '%s'" % status
    with conn.cursor() as cur:
        cur.execute(query)
        return cur.fetchall()


def connect_admin():
    return psycopg.connect(host="db.internal", dbname="orders", user="postgres", password="postgres", sslmode="disable")
