from Crypto.Cipher import AES, ARC4, DES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def encrypt(key, iv, data):
    # ruleid: weak-cipher
    a = DES.new(key, DES.MODE_CBC, iv)
    # ruleid: weak-cipher
    b = ARC4.new(key)
    # ruleid: weak-cipher
    c = AES.new(key, AES.MODE_ECB)
    # ok: weak-cipher
    d = AES.new(key, AES.MODE_GCM)
    # ruleid: weak-cipher
    e = Cipher(algorithms.TripleDES(key), modes.CBC(iv))
    # ruleid: weak-cipher
    f = Cipher(algorithms.AES(key), modes.ECB())
    # ok: weak-cipher
    g = Cipher(algorithms.AES(key), modes.GCM(iv))
    return a, b, c, d, e, f, g
