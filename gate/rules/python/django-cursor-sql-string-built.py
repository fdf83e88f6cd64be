from django.db import connection


def report(year, region):
    with connection.cursor() as cursor:
        # ruleid: django-cursor-sql-string-built
        cursor.execute(f"SELECT * FROM sales WHERE year = {year}")
        # ruleid: django-cursor-sql-string-built
        cursor.execute("SELECT * FROM sales WHERE region = '%s'" % region)
        # ok: django-cursor-sql-string-built
        cursor.execute("SELECT * FROM sales WHERE year = %s AND region = %s", [year, region])
        return cursor.fetchall()


def total(region):
    # ruleid: django-cursor-sql-string-built
    connection.cursor().execute("SELECT sum(amount) FROM sales WHERE region = '" + region + "'")
    # ok: django-cursor-sql-string-built
    connection.cursor().execute("SELECT sum(amount) FROM sales WHERE region = %s", [region])
