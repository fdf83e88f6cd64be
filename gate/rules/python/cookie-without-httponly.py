from django.http import HttpResponse


def view(request):
    resp = HttpResponse("ok")
    # ruleid: cookie-without-httponly
    resp.set_cookie("sid", "abc", secure=True)
    # ruleid: cookie-without-httponly
    resp.set_cookie("sid", "abc", secure=True, httponly=False)
    # ok: cookie-without-httponly
    resp.set_cookie("sid", "abc", secure=True, httponly=True, samesite="Strict")
    # ok: cookie-without-httponly
    resp.set_cookie("sid", "", max_age=0)
    return resp


# ruleid: cookie-without-httponly
SESSION_COOKIE_HTTPONLY = False
# ok: cookie-without-httponly
SESSION_COOKIE_HTTPONLY = True
