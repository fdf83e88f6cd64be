"""Data access for the orders service: every value reaches PostgreSQL as a query parameter."""

import psycopg
from psycopg import sql

from config import DATABASE_DSN

SORTABLE_COLUMNS = frozenset({"id", "total", "created_at"})


def connect():
    return psycopg.connect(DATABASE_DSN)


def find_customer(conn, name):
    with conn.cursor() as cur:
        cur.execute("SELECT id, name, email FROM customers WHERE name = %s", (name,))
        return cur.fetchall()


def orders_by_status(conn, status, order_by="id"):
    if order_by not in SORTABLE_COLUMNS:
        raise ValueError(f"cannot sort by {order_by!r}")
    query = sql.SQL("SELECT id, total FROM orders WHERE status = %s ORDER BY {}").format(sql.Identifier(order_by))
    with conn.cursor() as cur:
        cur.execute(query, (status,))
        return cur.fetchall()
