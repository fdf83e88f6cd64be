import MySQLdb


def search(term, limit):
    db = MySQLdb.connect(read_default_file="~/.my.cnf")
    cur = db.cursor()
    # ruleid: mysqldb-sql-string-built
    cur.execute("SELECT * FROM products WHERE name LIKE '%" + term + "%'")
    # ruleid: mysqldb-sql-string-built
    cur.execute(f"SELECT * FROM products LIMIT {limit}")
    # ok: mysqldb-sql-string-built
    cur.execute("SELECT * FROM products WHERE name LIKE %s LIMIT %s", ("%" + term + "%", limit))
    return cur.fetchall()
