from myapp.db import get_cursor


def lookup(email, cur=None):
    cur = cur or get_cursor()
    # ruleid: sql-string-built-execute
    cur.execute(f"SELECT * FROM users WHERE email = '{email}'")
    # ruleid: sql-string-built-execute
    cur.executemany("INSERT INTO log (who) VALUES ('%s')" % email, [])
    # ok: sql-string-built-execute
    cur.execute("SELECT * FROM users WHERE email = %s", (email,))
    return cur.fetchone()
