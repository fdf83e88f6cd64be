from psycopg.rows import dict_row


def order(conn, order_id, table):
    # ruleid: psycopg-sql-string-built
    conn.execute(f"SELECT * FROM orders WHERE id = {order_id}")
    with conn.cursor(row_factory=dict_row) as cur:
        # ruleid: psycopg-sql-string-built
        cur.execute("SELECT * FROM orders WHERE id = %s" % order_id)
        sql_text = "DELETE FROM " + table
        # ruleid: psycopg-sql-string-built
        cur.execute(sql_text)
        # ruleid: psycopg-sql-string-built
        with cur.copy(f"COPY {table} TO STDOUT") as copy:
            pass
        # ok: psycopg-sql-string-built
        cur.execute("SELECT * FROM orders WHERE id = %s", (order_id,))
        # ok: psycopg-sql-string-built
        cur.execute("SELECT * FROM orders WHERE id = %(id)s", {"id": order_id})
        return cur.fetchone()
