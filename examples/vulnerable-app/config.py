"""Settings for the orders service. DELIBERATELY INSECURE: scanned by Hardgate's tests, never run."""

import yaml

# Flaw: the database password is written into the source.
DATABASE_URL = "postgresql://orders_app:Orders-2024!@db.internal:5432/orders?sslmode=prefer"

DEBUG = True


def load_settings(path):
    with open(path) as fh:
        # Flaw: yaml.load with the default loader can build arbitrary Python objects.
        return yaml.load(fh.read())
