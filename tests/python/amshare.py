#!/usr/bin/python3
"""amshare: an independent reader of amanat recovery shares (docs/FORMAT.md §24a).

Written from the format text, not from amanat's C sources, so that it checks
the specification as much as the code.  Needs the standard library and PyNaCl.

  amshare.py combine SHARE...     rebuild the keys; print the identity's .pub line
  amshare.py reseal IN OUT --xor OFFSET [--body]
                                  test helper: xor 0x01 into byte OFFSET of the
                                  share body, write the lines' checks again (and
                                  with --body the share checksum): a share that
                                  was altered by someone who knows the format

Exit status: 0 ok; 1 the shares do not combine; 2 usage or a damaged share.
"""

import base64
import hashlib
import sys

import nacl.bindings
import nacl.signing

DOM_SHARE = b"amanat-share-v1\x00"
DOM_LINE = b"amanat-share-line-v1\x00"


def die(code, msg):
    print("amshare: " + msg, file=sys.stderr)
    sys.exit(code)


def line_check(x, no, data):
    return hashlib.sha256(DOM_LINE + bytes([x, no]) + data).digest()[:2]


def body_check(body):
    return hashlib.sha256(DOM_SHARE + body).digest()[:4]


def read_body(path, strict=True):
    """The share body of a share file, every line's check verified."""
    lines = [l.strip() for l in open(path, encoding="ascii").read().split("\n")]
    lines = [l for l in lines if l and not l.startswith("#")]
    if not lines or lines[0] != "amanat-share-v1":
        die(2, path + ": not a share")
    body = b""
    x = 0
    for want, l in enumerate(lines[1:], start=1):
        tok = l.split()
        if int(tok[0], 10) != want:
            die(2, "%s: line %d out of place" % (path, want))
        data = bytes.fromhex("".join(tok[1:-1]))
        if want == 1:
            x = data[7]
        if strict and line_check(x, want, data) != bytes.fromhex(tok[-1]):
            die(2, "%s, line %d: check failed" % (path, want))
        body += data
    if strict and body_check(body[:-4]) != body[-4:]:
        die(2, path + ": share checksum failed")
    return body


def fields(body):
    if body[:4] != b"AMNS" or body[4] != 1:
        die(2, "not a version 1 share")
    k, n, x = body[5], body[6], body[7]
    split = body[8:16]
    created = body[16:24]
    spk, bpk = body[24:56], body[56:88]
    nlen = body[88]
    name = body[89:89 + nlen].decode("ascii")
    y = body[89 + nlen:89 + nlen + 64]
    if len(body) != 89 + nlen + 64 + 4:
        die(2, "share body has the wrong length")
    return dict(k=k, n=n, x=x, split=split, created=created, spk=spk, bpk=bpk, name=name, y=y)


def gmul(a, b):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        if a & 0x100:
            a ^= 0x11B
        b >>= 1
    return r


def ginv(a):
    return next(b for b in range(1, 256) if gmul(a, b) == 1)


def combine(paths):
    sh = [fields(read_body(p)) for p in paths]
    first = sh[0]
    for s in sh:
        for key in ("k", "n", "split", "created", "spk", "bpk", "name"):
            if s[key] != first[key]:
                die(1, "shares of different splits")
    if len({s["x"] for s in sh}) != len(sh) or len(sh) < first["k"]:
        die(1, "too few distinct shares")
    use = sh[:first["k"]]
    secret = bytearray(64)
    for i, si in enumerate(use):
        num, den = 1, 1
        for j, sj in enumerate(use):
            if i != j:
                num = gmul(num, sj["x"])
                den = gmul(den, sj["x"] ^ si["x"])
        l = gmul(num, ginv(den))
        for b in range(64):
            secret[b] ^= gmul(l, si["y"][b])
    seed, xsk = bytes(secret[:32]), bytes(secret[32:])
    spk = bytes(nacl.signing.SigningKey(seed).verify_key)
    bpk = nacl.bindings.crypto_scalarmult_base(xsk)
    if spk != first["spk"] or bpk != first["bpk"]:
        die(1, "the keys rebuilt are not the share's public keys")
    print("amanat-pub-v1 %s %s %s" % (first["name"], base64.b64encode(spk).decode(),
                                     base64.b64encode(bpk).decode()))


def reseal(src, dst, off, whole):
    text = open(src, encoding="ascii").read().split("\n")
    comments = [l for l in text if l.startswith("#")]
    body = bytearray(read_body(src))
    body[off] ^= 0x01
    if whole:
        body[-4:] = body_check(bytes(body[:-4]))
    out = ["amanat-share-v1"] + comments
    for no, i in enumerate(range(0, len(body), 16), start=1):
        data = bytes(body[i:i + 16])
        groups = " ".join(data[g:g + 4].hex() for g in range(0, len(data), 4))
        out.append("%02d %s  %s" % (no, groups, line_check(body[7], no, data).hex()))
    open(dst, "w", encoding="ascii").write("\n".join(out) + "\n")


def main(argv):
    if len(argv) >= 2 and argv[0] == "combine":
        combine(argv[1:])
    elif len(argv) in (5, 6) and argv[0] == "reseal" and argv[3] == "--xor":
        reseal(argv[1], argv[2], int(argv[4]), len(argv) == 6 and argv[5] == "--body")
    else:
        die(2, "usage: see the top of this file")


if __name__ == "__main__":
    main(sys.argv[1:])
