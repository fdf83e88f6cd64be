import os

# ruleid: db-url-hardcoded-password
DATABASE_URL = "postgresql://orders_app:S3cretPass@db.internal:5432/orders"
# ruleid: db-url-hardcoded-password
MYSQL_URL = "mysql+pymysql://root:toor@127.0.0.1/shop"
# ruleid: db-url-hardcoded-password
DSN = "postgres://app:hunter2@localhost/app?sslmode=verify-full"
# ok: db-url-hardcoded-password
SAFE_URL = os.environ["DATABASE_URL"]
# ok: db-url-hardcoded-password
NO_PASSWORD = "postgresql://orders_app@db.internal/orders"
# ok: db-url-hardcoded-password
TEMPLATE = "postgresql://{user}:{password}@{host}/orders"
# ok: db-url-hardcoded-password
SHELL_STYLE = "postgresql://app:${DB_PASSWORD}@db/orders"
# ok: db-url-hardcoded-password
WEB = "https://user:token@example.org/repo.git"
