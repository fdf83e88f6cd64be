from psycopg import sql


def rows(conn, table, column, value):
    # ruleid: psycopg-sql-composed-from-string
    query = sql.SQL(f"SELECT * FROM {table} WHERE {column} = %s")
    # ruleid: psycopg-sql-composed-from-string
    other = sql.SQL("SELECT * FROM " + table)
    # ok: psycopg-sql-composed-from-string
    safe = sql.SQL("SELECT * FROM {} WHERE {} = %s").format(sql.Identifier(table), sql.Identifier(column))
    return conn.execute(safe, (value,)), query, other
