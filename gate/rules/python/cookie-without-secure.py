from flask import Flask, make_response

app = Flask(__name__)
# ruleid: cookie-without-secure
app.config["SESSION_COOKIE_SECURE"] = False
# ok: cookie-without-secure
app.config["SESSION_COOKIE_HTTPONLY"] = True
# ruleid: cookie-without-secure
app.config.update(REMEMBER_COOKIE_SECURE=False)


@app.route("/")
def index():
    resp = make_response("hi")
    # ruleid: cookie-without-secure
    resp.set_cookie("sid", "abc", httponly=True)
    # ok: cookie-without-secure
    resp.set_cookie("sid", "abc", secure=True, httponly=True, samesite="Lax")
    # ruleid: cookie-without-secure
    resp.set_cookie("sid", "abc", secure=False, httponly=True)
    # ok: cookie-without-secure
    resp.set_cookie("sid", "", expires=0)
    # ruleid: cookie-without-secure
    resp.set_cookie("sid", "abc", secure=None, httponly=True)
    return resp


# ruleid: cookie-without-secure
SESSION_COOKIE_SECURE = False
# ok: cookie-without-secure
CSRF_COOKIE_SECURE = True
