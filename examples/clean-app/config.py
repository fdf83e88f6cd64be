"""Settings for the orders service, read from the environment; nothing secret lives in the source."""

import os

import yaml

# For example: "host=db.internal dbname=orders user=orders_app sslmode=verify-full sslrootcert=/etc/ssl/ca.pem";
# the password comes from PGPASSWORD or a libpq passfile, never from this file.
DATABASE_DSN = os.environ.get("ORDERS_DATABASE_DSN", "")

DEBUG = os.environ.get("ORDERS_DEBUG") == "1"

# Key that encrypts card numbers in the database (pgcrypto), from the environment or the secret
# manager that fills it; never written here. An empty value makes db.store_payment refuse to run.
CARD_KEY = os.environ.get("ORDERS_CARD_KEY", "")

# CA bundle that signs the internal services; requests verifies against it.
CA_BUNDLE = os.environ.get("ORDERS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")


def load_settings(path):
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)
