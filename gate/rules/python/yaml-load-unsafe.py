import yaml


def parse(text, stream):
    # ruleid: yaml-load-unsafe
    a = yaml.load(text)
    # ruleid: yaml-load-unsafe
    b = yaml.load(text, Loader=yaml.Loader)
    # ruleid: yaml-load-unsafe
    c = yaml.unsafe_load(stream)
    # ruleid: yaml-load-unsafe
    d = list(yaml.load_all(stream, Loader=yaml.FullLoader))
    # ok: yaml-load-unsafe
    e = yaml.safe_load(text)
    # ok: yaml-load-unsafe
    f = yaml.load(text, Loader=yaml.SafeLoader)
    # ok: yaml-load-unsafe
    g = yaml.load(text, Loader=yaml.CSafeLoader)
    return a, b, c, d, e, f, g
