from django.http import HttpResponse


def view(request):
    resp = HttpResponse("ok")
    # ruleid: cookie-without-httponly
    resp.set_cookie("sid", "abc", secure=True)
    # ruleid: cookie-without-httponly
    resp.set_cookie("sid", "abc", secure=True, httponly=False)
    # ruleid: cookie-without-httponly
    resp.set_cookie("sid", "abc", secure=True, httponly=None)
    # ruleid: cookie-without-httponly
    resp.set_signed_cookie("sid", "abc", salt="session", secure=True)
    # ok: cookie-without-httponly
    resp.set_cookie("sid", "abc", secure=True, httponly=True, samesite="Strict")
    # ok: cookie-without-httponly
    resp.set_cookie("sid", "", max_age=0)
    # ok: cookie-without-httponly
    resp.set_cookie(**request.session["cookie_options"])
    return resp


# ruleid: cookie-without-httponly
SESSION_COOKIE_HTTPONLY = False
# ok: cookie-without-httponly
SESSION_COOKIE_HTTPONLY = True
# ruleid: cookie-without-httponly
FLASK_SETTINGS = dict(DEBUG=False, REMEMBER_COOKIE_HTTPONLY=False)
