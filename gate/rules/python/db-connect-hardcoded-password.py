import os

import MySQLdb
import psycopg
import pymysql


def connect():
    # ruleid: db-connect-hardcoded-password
    a = psycopg.connect(host="db", dbname="orders", user="app", password="hunter2")
    # ruleid: db-connect-hardcoded-password
    b = pymysql.connect(host="db", user="app", password="hunter2")
    # ruleid: db-connect-hardcoded-password
    c = MySQLdb.connect(host="db", user="app", passwd="hunter2")
    # ok: db-connect-hardcoded-password
    d = psycopg.connect(host="db", dbname="orders", user="app", password=os.environ["DB_PASSWORD"])
    # ok: db-connect-hardcoded-password
    e = pymysql.connect(host="db", user="app", password="")
    return a, b, c, d, e
