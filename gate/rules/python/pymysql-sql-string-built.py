import pymysql


def account(conn: pymysql.connections.Connection, login, ids):
    with conn.cursor() as cur:
        # ruleid: pymysql-sql-string-built
        cur.execute(f"SELECT id FROM accounts WHERE login = '{login}'")
        # ruleid: pymysql-sql-string-built
        cur.execute("SELECT id FROM accounts WHERE login = '%s'" % (login,))
        # ruleid: pymysql-sql-string-built
        cur.executemany("DELETE FROM sessions WHERE login = '{}' AND id = %s".format(login), ids)
        # ok: pymysql-sql-string-built
        cur.execute("SELECT id FROM accounts WHERE login = %s", (login,))
        # ok: pymysql-sql-string-built
        cur.executemany("DELETE FROM sessions WHERE id = %s", ids)
