from django.db import models
from django.db.models.expressions import RawSQL


class Person(models.Model):
    name = models.CharField(max_length=100)


def people(name, minimum):
    # ruleid: django-raw-string-built
    a = Person.objects.raw(f"SELECT * FROM app_person WHERE name = '{name}'")
    # ruleid: django-raw-string-built
    b = Person.objects.annotate(score=RawSQL("SELECT count(*) FROM votes WHERE n > %s" % minimum, ()))
    query = "SELECT * FROM app_person WHERE name = '" + name + "'"
    # ruleid: django-raw-string-built
    c = Person.objects.raw(query)
    # ok: django-raw-string-built
    d = Person.objects.raw("SELECT * FROM app_person WHERE name = %s", [name])
    # ok: django-raw-string-built
    e = Person.objects.annotate(score=RawSQL("SELECT count(*) FROM votes WHERE n > %s", (minimum,)))
    return a, b, c, d, e
