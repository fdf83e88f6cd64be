# semgrep --test target for sensitive-column-plaintext.
import os

from django.db import models
from sqlalchemy import Column, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, declarative_base, mapped_column

Base = declarative_base()
KEY = os.environ["CARD_KEY"]


def store_card(conn, order_id, card):
    cur = conn.cursor()
    # ruleid: sensitive-column-plaintext
    cur.execute("INSERT INTO payments (order_id, card_number) VALUES (%s, %s)", (order_id, card))
    # ruleid: sensitive-column-plaintext
    cur.execute("UPDATE customers SET national_id = %s WHERE id = %s", (card, order_id))
    # ruleid: sensitive-column-plaintext
    cur.executemany("insert into accounts (owner, iban) values (?, ?)", [(order_id, card)])
    # ok: sensitive-column-plaintext
    cur.execute(
        "INSERT INTO payments (order_id, card_number) VALUES (%s, pgp_sym_encrypt(%s, %s))", (order_id, card, KEY)
    )
    # ok: sensitive-column-plaintext
    cur.execute("INSERT INTO orders (id, item) VALUES (%s, %s)", (order_id, card))
    # ok: sensitive-column-plaintext
    cur.execute("SELECT pgp_sym_decrypt(card_number, %s) FROM payments", (KEY,))


class Payment(Base):
    __tablename__ = "payments"
    id = Column(Integer, primary_key=True)
    # ruleid: sensitive-column-plaintext
    card_number = Column(String(19), nullable=False)
    # ok: sensitive-column-plaintext
    iban = Column(LargeBinary, nullable=False)


class Customer(Base):
    __tablename__ = "customers"
    # ruleid: sensitive-column-plaintext
    ssn: Mapped[str] = mapped_column(String(11))
    # ruleid: sensitive-column-plaintext
    national_id: Mapped[str] = mapped_column()
    # ok: sensitive-column-plaintext
    passport_number: Mapped[bytes] = mapped_column(LargeBinary)
    # ok: sensitive-column-plaintext
    name: Mapped[str] = mapped_column(String(80))


class Person(models.Model):
    # ruleid: sensitive-column-plaintext
    tax_id = models.CharField(max_length=20)
    # ok: sensitive-column-plaintext
    card_number = models.BinaryField()
    # ok: sensitive-column-plaintext
    nickname = models.CharField(max_length=20)
