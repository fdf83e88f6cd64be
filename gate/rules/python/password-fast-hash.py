import hashlib
import os


def store(password, user):
    # ruleid: password-fast-hash
    a = hashlib.md5(password.encode()).hexdigest()
    # ruleid: password-fast-hash
    b = hashlib.sha256(user.salt + password.encode()).hexdigest()
    h = hashlib.sha1()
    # ruleid: password-fast-hash
    h.update(user.new_password.encode())
    # ruleid: password-fast-hash
    c = hashlib.new("sha512", password.encode()).hexdigest()
    salt = os.urandom(16)
    # ok: password-fast-hash
    d = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    # ok: password-fast-hash
    e = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)
    # ok: password-fast-hash
    f = hashlib.sha256(user.avatar_bytes).hexdigest()
    return a, b, c, d, e, f, h
