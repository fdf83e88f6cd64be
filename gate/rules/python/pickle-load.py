import json
import pickle


def restore(request_body, path):
    # ruleid: pickle-load
    session = pickle.loads(request_body)
    with open(path, "rb") as fh:
        # ruleid: pickle-load
        cache = pickle.load(fh)
    # ok: pickle-load
    data = json.loads(request_body)
    # ok: pickle-load
    blob = pickle.dumps(data)
    return session, cache, blob
