import os


def restart(service, logfile):
    # ruleid: os-system-formatted
    os.system(f"systemctl restart {service}")
    # ruleid: os-system-formatted
    out = os.popen("tail -n 50 " + logfile).read()
    # ok: os-system-formatted
    os.system("sync")
    return out
