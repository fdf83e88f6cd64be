import hashlib


def digests(blob):
    # ruleid: weak-hash-md5-sha1
    a = hashlib.md5(blob).hexdigest()
    # ruleid: weak-hash-md5-sha1
    b = hashlib.new("sha1", blob).hexdigest()
    # ok: weak-hash-md5-sha1
    c = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    # ok: weak-hash-md5-sha1
    d = hashlib.sha256(blob).hexdigest()
    return a, b, c, d
