"""Data access for the orders service: every value reaches PostgreSQL as a query parameter."""

import psycopg
from psycopg import sql

from config import CARD_KEY, DATABASE_DSN

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


def _card_key():
    if not CARD_KEY:
        raise RuntimeError("ORDERS_CARD_KEY is not set: card numbers are never stored in plaintext")
    return CARD_KEY


def store_payment(conn, order_id, card_number):
    """The card number is encrypted by PostgreSQL (pgcrypto) before it reaches a table, a WAL file or a
    backup; the column is bytea and the key is a query parameter, never part of the SQL text."""
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO payments (order_id, card_number) VALUES (%s, pgp_sym_encrypt(%s, %s))",
            (order_id, card_number, _card_key()),
        )


def payment_card(conn, order_id):
    with conn.cursor() as cur:
        cur.execute("SELECT pgp_sym_decrypt(card_number, %s) FROM payments WHERE order_id = %s", (_card_key(), order_id))
        row = cur.fetchone()
        return row[0] if row else None
