import MySQLdb
import mysql.connector
import pymysql


def connect(secret):
    # ruleid: mysql-tls-disabled
    a = pymysql.connect(host="db", user="app", password=secret, ssl_disabled=True)
    # ruleid: mysql-tls-disabled
    b = pymysql.connect(host="db", user="app", password=secret, ssl={"ca": "/etc/ca.pem"}, ssl_verify_cert=False)
    # ruleid: mysql-tls-disabled
    c = MySQLdb.connect(host="db", user="app", passwd=secret, ssl_mode="DISABLED")
    # ruleid: mysql-tls-disabled
    d = mysql.connector.connect(host="db", user="app", password=secret, ssl_disabled=True)
    # ruleid: mysql-tls-disabled
    e = pymysql.connect(host="db", user="app", password=secret, ssl=None)
    # ok: mysql-tls-disabled
    f = pymysql.connect(
        host="db", user="app", password=secret, ssl={"ca": "/etc/ca.pem"}, ssl_verify_cert=True, ssl_verify_identity=True
    )
    # ok: mysql-tls-disabled
    g = MySQLdb.connect(host="db", user="app", passwd=secret, ssl_mode="VERIFY_IDENTITY", ssl={"ca": "/etc/ca.pem"})
    return a, b, c, d, e, f, g
