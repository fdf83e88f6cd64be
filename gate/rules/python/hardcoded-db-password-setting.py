import os

# ruleid: hardcoded-db-password-setting
DB_PASSWORD = "hunter2"
# ruleid: hardcoded-db-password-setting
POSTGRES_PASSWORD = "orders"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "orders",
        # ruleid: hardcoded-db-password-setting
        "PASSWORD": "hunter2",
    }
}
# ok: hardcoded-db-password-setting
DB_PASSWORD_FROM_ENV = os.environ.get("DB_PASSWORD", "")
# ok: hardcoded-db-password-setting
MYSQL_PASSWORD = os.environ["MYSQL_PASSWORD"]
# ok: hardcoded-db-password-setting
DB_PASSWORD_EMPTY = ""
# ok: hardcoded-db-password-setting
PASSWORD_MIN_LENGTH = "12"
