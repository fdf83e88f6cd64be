import ssl


def contexts(cafile):
    ctx = ssl.create_default_context()
    # ruleid: ssl-verification-disabled
    ctx.check_hostname = False
    # ruleid: ssl-verification-disabled
    ctx.verify_mode = ssl.CERT_NONE
    # ruleid: ssl-verification-disabled
    loose = ssl._create_unverified_context()
    # ruleid: ssl-verification-disabled
    mysql_ssl = {"ca": cafile, "cert_reqs": ssl.CERT_NONE}
    strict = ssl.create_default_context(cafile=cafile)
    # ok: ssl-verification-disabled
    strict.check_hostname = True
    # ok: ssl-verification-disabled
    strict.verify_mode = ssl.CERT_REQUIRED
    return ctx, loose, mysql_ssl, strict
