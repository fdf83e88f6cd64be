import os

# ruleid: django-debug-enabled
DEBUG = True

# ok: django-debug-enabled
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"


class TestSettings:
    # ok: django-debug-enabled
    DEBUG = True
