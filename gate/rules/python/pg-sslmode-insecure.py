import psycopg


def connect(dsn_from_env):
    # ruleid: pg-sslmode-insecure
    a = psycopg.connect("host=db.internal dbname=orders user=app sslmode=disable")
    # ruleid: pg-sslmode-insecure
    b = psycopg.connect("postgresql://app@db.internal/orders?sslmode=prefer")
    # ruleid: pg-sslmode-insecure
    c = psycopg.connect(host="db.internal", dbname="orders", sslmode="allow")
    # ruleid: pg-sslmode-insecure
    params = {"host": "db.internal", "sslmode": "disable"}
    # ok: pg-sslmode-insecure
    d = psycopg.connect("host=db.internal dbname=orders sslmode=verify-full sslrootcert=/etc/ca.pem")
    # ok: pg-sslmode-insecure
    e = psycopg.connect(host="db.internal", dbname="orders", sslmode="verify-full")
    # ok: pg-sslmode-insecure
    f = psycopg.connect(dsn_from_env)
    return a, b, c, d, e, f, params
