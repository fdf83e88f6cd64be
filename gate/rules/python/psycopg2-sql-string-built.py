import psycopg2


def orders_for(customer, status, conn):
    with conn.cursor() as cur:
        # ruleid: psycopg2-sql-string-built
        cur.execute(f"SELECT * FROM orders WHERE customer = '{customer}'")
        # ruleid: psycopg2-sql-string-built
        cur.execute("SELECT * FROM orders WHERE status = '%s'" % status)
        # ruleid: psycopg2-sql-string-built
        cur.executemany("UPDATE orders SET status = '" + status + "' WHERE id = %s", [(1,), (2,)])
        # ruleid: psycopg2-sql-string-built
        cur.copy_expert("COPY (SELECT * FROM orders WHERE customer = '{}') TO STDOUT".format(customer), None)
        # ok: psycopg2-sql-string-built
        cur.execute("SELECT * FROM orders WHERE customer = %s AND status = %s", (customer, status))
        # ok: psycopg2-sql-string-built
        cur.execute("SELECT * FROM orders WHERE customer = %(c)s", {"c": customer})


def connect():
    return psycopg2.connect("dbname=orders")
