import sqlite3


def find_user(name, user_id, rows):
    conn = sqlite3.connect("app.db")
    cur = conn.cursor()
    # ruleid: sqlite3-sql-string-built
    cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
    # ruleid: sqlite3-sql-string-built
    cur.execute("SELECT * FROM users WHERE name = '%s'" % name)
    # ruleid: sqlite3-sql-string-built
    conn.executemany("INSERT INTO audit VALUES (" + name + ", ?)", rows)
    # ruleid: sqlite3-sql-string-built
    conn.executescript("DELETE FROM users WHERE id = {}".format(user_id))
    query = "SELECT * FROM users WHERE id = " + str(user_id)
    # ruleid: sqlite3-sql-string-built
    cur.execute(query)
    # ok: sqlite3-sql-string-built
    cur.execute("SELECT * FROM users WHERE name = ?", (name,))
    # ok: sqlite3-sql-string-built
    cur.execute("SELECT * FROM users " + "WHERE id = ?", (user_id,))
    # ok: sqlite3-sql-string-built
    cur.execute(f"SELECT count(*) FROM users")
    safe = "SELECT * FROM users WHERE id = :id"
    # ok: sqlite3-sql-string-built
    cur.execute(safe, {"id": user_id})
