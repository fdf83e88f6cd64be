from sqlalchemy import create_engine, text

engine = create_engine("postgresql+psycopg:///orders")


def by_name(name, order_by):
    with engine.connect() as conn:
        # ruleid: sqlalchemy-text-string-built
        conn.execute(text(f"SELECT * FROM users WHERE name = '{name}'"))
        # ruleid: sqlalchemy-text-string-built
        conn.execute(text("SELECT * FROM users ORDER BY %s" % order_by))
        # ruleid: sqlalchemy-text-string-built
        conn.exec_driver_sql("SELECT * FROM users WHERE name = '" + name + "'")
        stmt = "SELECT * FROM users WHERE name = '{}'".format(name)
        # ruleid: sqlalchemy-text-string-built
        conn.execute(text(stmt))
        # ok: sqlalchemy-text-string-built
        conn.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name})
        # ok: sqlalchemy-text-string-built
        conn.exec_driver_sql("SELECT * FROM users WHERE name = %(name)s", {"name": name})
