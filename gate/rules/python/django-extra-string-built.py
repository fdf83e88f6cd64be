from django.contrib.auth.models import User


def filtered(name, column):
    # ruleid: django-extra-string-built
    a = User.objects.extra(where=[f"username = '{name}'"])
    # ruleid: django-extra-string-built
    b = User.objects.extra(select={"is_named": "username = '%s'" % name})
    # ruleid: django-extra-string-built
    c = User.objects.extra(order_by=["-" + column])
    # ok: django-extra-string-built
    d = User.objects.extra(where=["username = %s"], params=[name])
    # ok: django-extra-string-built
    e = User.objects.extra(select={"is_named": "username = %s"}, select_params=(name,))
    return a, b, c, d, e
