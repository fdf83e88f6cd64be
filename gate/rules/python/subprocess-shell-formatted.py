import subprocess


def backup(dbname, target):
    # ruleid: subprocess-shell-formatted
    subprocess.run(f"pg_dump {dbname} > {target}", shell=True, check=True)
    # ruleid: subprocess-shell-formatted
    subprocess.check_output("mysqldump %s" % dbname, shell=True)
    cmd = "gzip " + target
    # ruleid: subprocess-shell-formatted
    subprocess.Popen(cmd, shell=True)
    # ruleid: subprocess-shell-formatted
    subprocess.call("psql -c 'VACUUM' {}".format(dbname), shell=True)
    # ok: subprocess-shell-formatted
    subprocess.run(["pg_dump", "--dbname", dbname, "--file", target], check=True)
    # ok: subprocess-shell-formatted
    subprocess.run(f"pg_dump {dbname}".split(), check=True)
    # ok: subprocess-shell-formatted
    subprocess.run("uptime", shell=True, check=True)
