#!/usr/bin/python3
"""amverify: an independent verifier for amanat vaults, checkpoints and proofs.

Written from docs/FORMAT.md alone (section numbers below refer to it), without
reading amanat's C sources, so that it checks the specification as much as the
code.  Needs only the standard library and PyNaCl (python3-nacl), which wraps
the same libsodium primitives FORMAT.md §2 names.

  amverify.py vault PATH
  amverify.py checkpoint FILE --key VKEY [--cosigner VKEY]... [--quorum K]
  amverify.py inclusion FILE --key VKEY [--key VKEY]...
  amverify.py consistency FILE --old CHECKPOINT --key VKEY [--key VKEY]...
  amverify.py decrypt PATH SEQ --identity ID.id --passphrase-env VAR [-o FILE]
  amverify.py vectors docs/FORMAT.md

Exit status: 0 verified; 1 it does not verify (the first problem is printed);
2 usage error or unreadable input.
"""

import argparse
import base64
import binascii
import hashlib
import os
import re
import sqlite3
import struct
import sys
import unicodedata
import zlib

try:
    import nacl.bindings
    import nacl.exceptions
    import nacl.public
    import nacl.pwhash
    import nacl.signing
except ImportError:  # pragma: no cover
    sys.stderr.write("amverify: PyNaCl is missing (Debian: apt-get install python3-nacl)\n")
    sys.exit(2)


class Fail(Exception):
    """The input does not verify; the message names the first problem."""


def H(data):
    return hashlib.sha256(data).digest()


def genesis_vault_id(raw_header):
    """§3: the vault id is H(domain || 00 || the genesis header with a zero id)[0..16)."""
    return H(b"amanat-vault-id-v1\x00" + raw_header[:8] + bytes(16) + raw_header[24:])[:16]


# ---------------------------------------------------------------- §1 conventions

DOM_SIG = b"amanat-entry-sig-v1\x00"
DOM_FIELD = b"amanat-field-v1\x00"
DOM_FIELDS = b"amanat-fields-v1\x00"
DOM_CHUNK = b"amanat-chunk-v1\x00"
DOM_META = b"amanat-meta-v1\x00"
DOM_CTHASH = b"amanat-ct-hash-v1\x00"   # §28
CHUNK_HASHED = 2                         # header flag bit 1 (§5, §28)

IDENTITY_NAME = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
FIELD_NAME = re.compile(rb"[a-z0-9_.-]{1,64}\Z")
DECIMAL = re.compile(r"(0|[1-9][0-9]*)\Z")
B64CHARS = re.compile(r"[A-Za-z0-9+/]*={0,2}\Z")


def b64decode(text, nbytes=None):
    """Strict RFC 4648 §4 base64 (§1).  With nbytes, the length must be exactly
    4*ceil(nbytes/3).  Non-canonical encodings (non-zero padding bits) are also
    refused: §1 does not say, and refusing is the strict choice."""
    if not B64CHARS.match(text) or len(text) % 4:
        raise Fail("bad base64")
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise Fail("bad base64")
    if base64.b64encode(raw).decode() != text:
        raise Fail("non-canonical base64")
    if nbytes is not None and len(raw) != nbytes:
        raise Fail("base64 value is %d bytes, want %d" % (len(raw), nbytes))
    return raw


def u32(x):
    return struct.pack(">I", x)


def u64(x):
    return struct.pack(">Q", x)


def ed25519_ok(pk, msg, sig):
    """libsodium's crypto_sign_verify_detached (via PyNaCl), as §2 requires."""
    if len(pk) != 32 or len(sig) != 64:
        return False
    try:
        nacl.signing.VerifyKey(pk).verify(msg, sig)
        return True
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError,
            nacl.exceptions.CryptoError):
        return False


# ---------------------------------------------------------------- §5-§8 headers

GENESIS, ENROLL, REVOKE, TESTIMONY, DOCUMENT, MEDIA, CASE, CUSTODY, ROTATE, REWRAP = range(1, 11)
IMPORT, ACK = 11, 12                                          # §25
TYPE_NAMES = {1: "genesis", 2: "enroll", 3: "revoke", 4: "testimony",
              5: "document", 6: "media", 7: "case", 8: "custody", 9: "rotate", 10: "rewrap",
              11: "import", 12: "ack"}
# the authority types: what auth_seq names (§10, §24)
PUBLIC_TYPES = (GENESIS, ENROLL, REVOKE, ROTATE)
DOM_ROTATE = b"amanat-rotate-v1\x00"
REWRAP_MAX = 512
REWRAP_ITEM = 8 + 8 + 80
ADMIN, OFFICER, CUSTODIAN, AUDITOR = 1, 2, 4, 8
# §7 "who may sign" (genesis is special: the admin it names, §10 rule 3)
MAY_SIGN = {ENROLL: ADMIN, REVOKE: ADMIN, TESTIMONY: OFFICER | CUSTODIAN | ADMIN,
            DOCUMENT: OFFICER | CUSTODIAN | ADMIN, MEDIA: OFFICER | CUSTODIAN | ADMIN,
            CASE: OFFICER | CUSTODIAN | ADMIN, CUSTODY: CUSTODIAN, REWRAP: CUSTODIAN,
            IMPORT: OFFICER | CUSTODIAN | ADMIN, ACK: ADMIN | OFFICER | CUSTODIAN | AUDITOR}
FIXED = 296
BWRAP = 4                                                     # §29: header flag bit 2
DOM_BWRAP_KEY = b"amanat-bwrap-key-v1\x00"
DOM_BWRAP_AD = b"amanat-bwrap-v1\x00"


class Header:
    """A parsed header (§5).  parse() applies the rules of §6 in order."""

    FIELDS = [  # (name, offset, struct format)
        ("magic", 0, "4s"), ("version", 4, ">H"), ("type", 6, "B"), ("flags", 7, "B"),
        ("vault_id", 8, "16s"), ("seq", 24, ">Q"), ("prev", 32, "32s"),
        ("auth_seq", 64, ">Q"), ("sealed_at_ms", 72, ">q"), ("signer", 80, "32s"),
        ("uid", 112, "16s"), ("size", 128, ">Q"), ("chunk_size", 136, ">I"),
        ("chunk_count", 140, ">Q"), ("ct_size", 148, ">Q"), ("ct_hash", 156, "32s"),
        ("wraps_size", 188, ">I"), ("wraps_hash", 192, "32s"), ("meta_size", 224, ">I"),
        ("meta_hash", 228, "32s"), ("fields_root", 260, "32s"), ("nrefs", 292, ">I"),
    ]

    @classmethod
    def parse(cls, b):
        h = cls()
        h.raw = bytes(b)
        # 1, 2
        if len(b) < 300 or b[:4] != b"AMNE":
            raise Fail("header: too short or bad magic")
        for name, off, fmt in cls.FIELDS:
            setattr(h, name, struct.unpack_from(fmt, b, off)[0])
        if h.version != 1:                                   # 3
            raise Fail("header: version %d" % h.version)
        if h.type not in TYPE_NAMES:                         # 4
            raise Fail("header: type %d" % h.type)
        if h.flags & ~(1 | CHUNK_HASHED | BWRAP):            # 5
            raise Fail("header: reserved flags set")
        if h.flags & BWRAP and not TESTIMONY <= h.type <= CUSTODY:  # 5, batch wraps (§29)
            raise Fail("header: a public entry marked batch-wrapped")
        if h.flags & 1 and (h.seq == 0 or not TESTIMONY <= h.type <= CUSTODY):  # 5, §27
            raise Fail("header: a first or public entry marked batched")
        if h.nrefs > 65536:                                  # 6
            raise Fail("header: too many refs")
        end_refs = FIXED + 8 * h.nrefs                       # 7
        if len(b) < end_refs + 4:
            raise Fail("header: refs truncated")
        h.refs = list(struct.unpack_from(">%dQ" % h.nrefs, b, FIXED))
        h.payload_len = struct.unpack_from(">I", b, end_refs)[0]
        if h.payload_len > 65536:
            raise Fail("header: payload too long")
        if len(b) != end_refs + 4 + h.payload_len:           # 8
            raise Fail("header: payload truncated or trailing bytes")
        h.payload = bytes(b[end_refs + 4:])
        if (h.seq == 0 and h.auth_seq != 0) or (h.seq > 0 and h.auth_seq >= h.seq):  # 9
            raise Fail("header: auth_seq %d not below seq" % h.auth_seq)
        last = -1                                            # 10
        for r in h.refs:
            if r >= h.seq or r <= last:
                raise Fail("header: refs not increasing and below seq")
            last = r
        if h.sealed:                                         # 11
            cs = h.chunk_size
            if cs < 4096 or cs > 1 << 24 or cs & (cs - 1):
                raise Fail("header: chunk_size %d" % cs)
            want = 1 if h.size == 0 else -(-h.size // cs)
            if h.chunk_count != want:
                raise Fail("header: chunk_count %d, want %d" % (h.chunk_count, want))
            if h.wraps_size < 4 or h.meta_size < 16:
                raise Fail("header: wraps_size or meta_size too small")
        else:                                                # 12
            if (h.size or h.chunk_size or h.chunk_count or h.ct_size or h.wraps_size
                    or h.meta_size or any(getattr(h, f) != bytes(32) for f in
                                          ("ct_hash", "wraps_hash", "meta_hash", "fields_root"))):
                raise Fail("header: public entry with body fields")
            if h.flags & CHUNK_HASHED:                       # 5, §28
                raise Fail("header: per-chunk content hash on an entry without content")
        return h

    @property
    def sealed(self):
        # §25.3: an import has a body when its original is sealed
        return TESTIMONY <= self.type <= CUSTODY or (self.type == IMPORT and self.chunk_size != 0)


def parse_identity_record(p):
    """§8: (sign_pk, box_pk, roles, name) or Fail."""
    if len(p) < 66 or len(p) != 66 + p[65]:
        raise Fail("identity record: bad length")
    roles, nlen, name = p[64], p[65], p[66:]
    if roles == 0 or roles & ~0x0F:
        raise Fail("identity record: bad roles %d" % roles)
    if not 1 <= nlen <= 64 or not IDENTITY_NAME.match(name):
        raise Fail("identity record: bad name")
    return p[:32], p[32:64], roles, name.decode()


def parse_revocation(p):
    """§8/§24 revoke payload: (pk, kind, since_seq, since_ms, reason) or Fail."""
    if len(p) == 32:
        return p, 0, 0, 0, ""
    if len(p) < 52:
        raise Fail("revoke payload: bad length")
    ver, kind, since, ms, rlen = struct.unpack_from(">BBQqH", p, 32)
    if ver != 1 or kind > 2 or rlen > 1024 or len(p) != 52 + rlen:
        raise Fail("revoke payload: bad revocation record")
    if (kind == 0 and (since or ms)) or (kind == 1 and ms):
        raise Fail("revoke payload: fields its kind does not use are not zero")
    try:
        reason = p[52:].decode("utf-8")
    except UnicodeDecodeError:
        raise Fail("revoke payload: reason is not UTF-8")
    if "\x00" in reason:
        raise Fail("revoke payload: reason holds a NUL")
    return p[:32], kind, since, ms, reason


def parse_rotation(p):
    """§24 rotate payload: (old_pk, record bytes, (sign, box, roles, name), binding)."""
    if len(p) < 32 + 66 + 64:
        raise Fail("rotate payload: too short")
    rec_len = 66 + p[32 + 65]
    if len(p) != 32 + rec_len + 64:
        raise Fail("rotate payload: bad length")
    rec = p[32:32 + rec_len]
    return p[:32], rec, parse_identity_record(rec), p[32 + rec_len:]


def parse_rewrap(p, seq):
    """§24 rewrap payload: (to_box, [(target, via, box)]) with the shape rules."""
    if len(p) < 36:
        raise Fail("rewrap payload: too short")
    to, n = p[:32], struct.unpack_from(">I", p, 32)[0]
    if not 1 <= n <= REWRAP_MAX or len(p) != 36 + n * REWRAP_ITEM:
        raise Fail("rewrap payload: bad count or length")
    items, last = [], -1
    for i in range(n):
        off = 36 + i * REWRAP_ITEM
        t, via = struct.unpack_from(">QQ", p, off)
        if t >= seq or t <= last:
            raise Fail("rewrap payload: targets not increasing and below the entry")
        if via != t and not t < via < seq:
            raise Fail("rewrap payload: via out of range")
        items.append((t, via, p[off + 16:off + REWRAP_ITEM]))
        last = t
    return to, items


# ---------------------------------------------------------------- §10 authority

class Membership:
    """The authority replay of §10."""

    def __init__(self):
        self.members = []        # [sign_pk, box_pk, name, roles, rotated_to or None]
        self.last_auth = None

    def member(self, sign_pk):
        for m in self.members:
            if m[0] == sign_pk:
                return m
        return None

    def roles(self, sign_pk):
        m = self.member(sign_pk)
        return m[3] if m else 0

    def custodian_keys(self):
        return sorted(m[1] for m in self.members if m[3] & CUSTODIAN)

    def by_box(self, box_pk):
        for m in self.members:
            if m[1] == box_pk:
                return m
        return None

    def boxes_of(self, sign_pk):
        """§24: the X25519 keys of sign_pk's member and of every key rotated into it."""
        out = []
        for m in self.members:
            cur, hops = m, 0
            while cur is not None and hops <= len(self.members):
                if cur[0] == sign_pk:
                    out.append(m[1])
                    break
                cur = self.member(cur[4]) if cur[4] else None
                hops += 1
        return out

    def apply(self, h):
        if h.seq > 0 and h.auth_seq != self.last_auth:                       # 1
            raise Fail("auth_seq %d, want %s" % (h.auth_seq, self.last_auth))
        if (h.type == GENESIS) != (h.seq == 0):                               # 2
            raise Fail("genesis must be exactly entry 0")
        if h.type == GENESIS:                                                 # 3
            if h.vault_id != genesis_vault_id(h.raw):                         # §3
                raise Fail("the genesis does not carry the vault id derived from it")
            spk, bpk, roles, name = parse_identity_record(h.payload)
            if spk != h.signer or not roles & ADMIN:
                raise Fail("genesis not signed by the admin it names")
            self.members.append([spk, bpk, name, roles, None])
            self.last_auth = 0
            return
        if h.type == ROTATE:                                                  # §24
            old_pk, rec, (spk, bpk, roles, name), binding = parse_rotation(h.payload)
            old = self.member(old_pk)
            if not old or old[3] == 0:
                raise Fail("rotate names no member with roles")
            if any(m[0] == spk or m[1] == bpk for m in self.members):
                raise Fail("rotate's new keys already belong to an identity")
            if roles != old[3]:
                raise Fail("rotate does not move exactly the old key's roles")
            if h.signer == spk:
                if not old[3] & ADMIN:
                    raise Fail("rotate signed by the new key of a non-admin")
            elif h.signer == old_pk or not self.roles(h.signer) & ADMIN:
                raise Fail("rotate not signed by another admin")
            if not ed25519_ok(old_pk, DOM_ROTATE + h.vault_id + old_pk + rec, binding):
                raise Fail("rotate binding signature by the old key does not verify")
            old[3], old[4] = 0, spk
            self.members.append([spk, bpk, name, roles, None])
            self.last_auth = h.seq
            return
        if not self.roles(h.signer) & MAY_SIGN[h.type]:                       # 4
            raise Fail("signer may not sign a %s entry" % TYPE_NAMES[h.type])
        if h.type == ENROLL:                                                  # 5
            spk, bpk, roles, name = parse_identity_record(h.payload)
            same = None
            for m in self.members:
                if (m[0] == spk) != (m[1] == bpk):
                    raise Fail("enroll reuses a key of another identity")
                if m[0] == spk:
                    same = m
            if same:
                same[2], same[3] = name, roles
            else:
                self.members.append([spk, bpk, name, roles, None])
            self.last_auth = h.seq
        elif h.type == REVOKE:                                                # 6
            pk, kind, since, _, _ = parse_revocation(h.payload)
            if kind and since > h.seq:
                raise Fail("revoke states a compromise point after itself")
            m = self.member(pk)
            if not m or m[3] == 0:
                raise Fail("revoke names no member with roles")
            m[3] = 0
            self.last_auth = h.seq
        elif h.type in (IMPORT, ACK):                                         # §25
            if not h.payload:
                raise Fail("%s entry with an empty payload" % TYPE_NAMES[h.type])
        elif h.type == CUSTODY:                                               # 8
            if len(h.payload) != 1 or h.payload[0] not in (1, 2, 3, 4, 5, 6, 7, 8, 10, 11):
                raise Fail("bad custody action")
        elif h.type == REWRAP:                                                # §24
            to, _ = parse_rewrap(h.payload, h.seq)
            m = self.by_box(to)
            if not m or not m[3] & CUSTODIAN:
                raise Fail("rewrap to someone who is not an enrolled custodian")
        elif h.payload:                                                       # 7
            raise Fail("payload must be empty")


def wraps_flags(h):
    """§29: the flags that say which wraps an entry holds (an import's: its original's)."""
    return Header.parse(parse_import(h)[0]).flags if h.type == IMPORT else h.flags


def parse_wraps(block, flags=0):
    """§14 (or §29 when flags has bit 2): list of (pk, box or batch wrap)."""
    if len(block) < 4:
        raise Fail("wraps block too short")
    item = 32 + (104 if flags & BWRAP else 80)
    n = struct.unpack_from(">I", block)[0]
    if not 1 <= n <= 4096 or len(block) != 4 + item * n:
        raise Fail("wraps block malformed")
    out = [(block[4 + item * j:36 + item * j], block[36 + item * j:4 + item * (j + 1)])
           for j in range(n)]
    if any(out[j][0] >= out[j + 1][0] for j in range(n - 1)):
        raise Fail("wraps keys not strictly increasing")
    return out


class ContentHash:
    """The content hash of chunk ciphertexts fed in order: §12, or §28 when
    the header's flag bit 1 is set."""

    def __init__(self, flags):
        self.per_chunk = bool(flags & CHUNK_HASHED)
        self.ctx = hashlib.sha256(DOM_CTHASH if self.per_chunk else b"")

    def add(self, ct):
        piece = u32(len(ct)) + ct
        self.ctx.update(H(piece) if self.per_chunk else piece)

    def digest(self):
        return self.ctx.digest()


def content_hash(cts, flags=0):
    c = ContentHash(flags)
    for ct in cts:
        c.add(ct)
    return c.digest()


# ---------------------------------------------------------------- §15 Merkle tree

def leaf_hash(entry_hash):
    return H(b"\x00" + entry_hash)


def node_hash(left, right):
    return H(b"\x01" + left + right)


def root_from_perfect(nodes, n):
    """MTH(D[0..n)) from the perfect subtrees {(level, idx): hash} (§15)."""
    if n == 0:
        return H(b"")
    parts, start = [], 0
    for level in reversed(range(n.bit_length())):
        if n >> level & 1:
            parts.append(nodes[(level, start >> level)])
            start += 1 << level
    r = parts[-1]
    for p in reversed(parts[:-1]):
        r = node_hash(p, r)
    return r


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_hash, second_hash, path):
    """RFC 9162 §2.1.4.2, plus the trivial cases it leaves to the caller:
    first == second (empty proof, equal roots) and first == 0 (empty proof)."""
    if first > second:
        return False
    if first == second:
        return not path and first_hash == second_hash
    if first == 0:
        return not path
    if not path:
        return False
    if first & (first - 1) == 0:
        path = [first_hash] + list(path)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


# ---------------------------------------------------------------- §16 checkpoints

SIG_PREFIX = "\u2014 "
TYPE_ED25519, TYPE_COSIG = 0x01, 0x04


def key_id(name, typ, pk):
    return H(name.encode() + b"\n" + bytes([typ]) + pk)[:4]


class VerifierKey:
    def __init__(self, name, typ, pk):
        self.name, self.type, self.pk = name, typ, pk
        self.id = key_id(name, typ, pk)

    @classmethod
    def parse(cls, text):
        """<name>+<8 hex key id>+<base64(type || public key)>"""
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or not parts[0] or not re.match(r"[0-9a-f]{8}\Z", parts[1]):
            raise Fail("bad verifier key %r" % text)
        raw = b64decode(parts[2], 33)
        if raw[0] not in (TYPE_ED25519, TYPE_COSIG):
            raise Fail("verifier key type %d unsupported" % raw[0])
        k = cls(parts[0], raw[0], raw[1:])
        if k.id.hex() != parts[1]:
            raise Fail("verifier key id does not match its key")
        return k

    def __str__(self):
        return "%s+%s+%s" % (self.name, self.id.hex(),
                             base64.b64encode(bytes([self.type]) + self.pk).decode())


class Note:
    """A C2SP signed note holding a tlog-checkpoint (§16)."""

    @classmethod
    def parse(cls, raw):
        if isinstance(raw, str):
            raw = raw.encode()
        if len(raw) > 65536:
            raise Fail("note longer than 65536 bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Fail("note is not UTF-8")
        # §16 "without control characters other than newline": read literally,
        # as Unicode's control characters (C0, DEL and C1).  amanat refuses C0
        # and DEL but accepts C1 (U+0080..U+009F): the spec should say which.
        if any(c != "\n" and unicodedata.category(c) == "Cc" for c in text):
            raise Fail("note holds control characters")
        if not text.endswith("\n"):
            raise Fail("note does not end with a newline")
        cut = text.rfind("\n\n")
        if cut < 0:
            raise Fail("note has no blank line before its signatures")
        n = cls()
        n.text = text[:cut + 1].encode()
        n.lines = text[:cut].split("\n")
        if any(line == "" for line in n.lines):
            raise Fail("note text holds an empty line")
        n.sigs = []
        for line in text[cut + 2:-1].split("\n"):
            if not line.startswith(SIG_PREFIX):
                raise Fail("signature line does not start with an em dash")
            parts = line[len(SIG_PREFIX):].split(" ")
            if len(parts) != 2 or not parts[0]:
                raise Fail("malformed signature line")
            blob = b64decode(parts[1])
            if len(blob) < 5:
                raise Fail("signature too short")
            n.sigs.append((parts[0], blob))
        if not n.sigs:
            raise Fail("note has no signature")
        # tlog-checkpoint body: origin, size, root, extension lines
        if len(n.lines) < 3:
            raise Fail("checkpoint has fewer than three lines")
        n.origin = n.lines[0]
        if not DECIMAL.match(n.lines[1]) or int(n.lines[1]) >= 1 << 64:
            raise Fail("bad tree size %r" % n.lines[1])
        n.size = int(n.lines[1])
        n.root = b64decode(n.lines[2], 32)
        return n

    def valid_signatures(self, keys):
        """{key: [timestamp or None, ...]} of valid signatures by the given keys.
        A line naming a key (name and id) that does not verify fails the note."""
        found = {k: [] for k in keys}
        for name, blob in self.sigs:
            for k in keys:
                if name != k.name or blob[:4] != k.id:
                    continue
                if k.type == TYPE_ED25519:
                    ok = len(blob) == 68 and ed25519_ok(k.pk, self.text, blob[4:])
                    t = None
                else:
                    t = struct.unpack_from(">Q", blob, 4)[0] if len(blob) == 76 else 0
                    msg = b"cosignature/v1\ntime %d\n" % t + self.text
                    ok = len(blob) == 76 and ed25519_ok(k.pk, msg, blob[12:])
                if not ok:
                    raise Fail("signature by %s+%s does not verify" % (k.name, k.id.hex()))
                found[k].append(t)
        return found


def check_note(note, keys, cosigners=(), quorum=None, origin=None):
    """A checkpoint is accepted if at least one of `keys` (key name = origin,
    §16) signed it, none of them twice, every line naming a given key verifies,
    and at least `quorum` (default: all) of `cosigners` cosigned it."""
    if origin is not None and note.origin != origin:
        raise Fail("checkpoint origin %r, want %r" % (note.origin, origin))
    for k in keys:
        if k.name != note.origin:
            raise Fail("key name %r is not the origin %r (§16)" % (k.name, note.origin))
    found = note.valid_signatures(list(keys) + list(cosigners))
    signers = [k for k in keys if found[k]]
    if not signers:
        raise Fail("no valid signature by the given key")
    if any(len(found[k]) > 1 for k in keys):
        raise Fail("more than one signature by the same key")
    got = sum(1 for k in cosigners if found[k])
    need = len(cosigners) if quorum is None else quorum
    if got < need:
        raise Fail("%d cosignatures, quorum %d" % (got, need))
    return got


# ---------------------------------------------------------------- §17 proofs

def split_proof(text, first_word):
    """Header lines and the checkpoint after the first blank line."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise Fail("proof is not UTF-8")
    cut = text.find("\n\n")
    if cut < 0:
        raise Fail("proof has no blank line before its checkpoint")
    head = text[:cut].split("\n")
    if not head[0].startswith(first_word):
        raise Fail("proof does not start with %r" % first_word)
    return head, text[cut + 2:]


def read_hashes(lines):
    if len(lines) > 64:
        raise Fail("more than 64 proof hashes")
    return [b64decode(line, 32) for line in lines]


def check_inclusion(text, keys):
    head, cp = split_proof(text, "c2sp.org/tlog-proof@v1")
    if head[0] != "c2sp.org/tlog-proof@v1" or len(head) < 3:
        raise Fail("malformed proof header")
    if not head[1].startswith("extra "):
        raise Fail("proof has no extra line (the entry)")
    extra = b64decode(head[1][6:])
    if not head[2].startswith("index ") or not DECIMAL.match(head[2][6:]):
        raise Fail("bad index line")
    index = int(head[2][6:])
    path = read_hashes(head[3:])
    note = Note.parse(cp)
    check_note(note, keys)
    if len(extra) < 300 + 64:
        raise Fail("extra too short for a header and signature")
    hdr, sig = extra[:-64], extra[-64:]
    h = Header.parse(hdr)
    if h.seq != index:
        raise Fail("header seq %d but index %d" % (h.seq, index))
    if note.origin != "amanat/" + h.vault_id.hex():
        raise Fail("entry's vault id does not match the checkpoint origin")
    if not ed25519_ok(h.signer, DOM_SIG + hdr, sig):
        raise Fail("entry signature does not verify")
    ehash = H(hdr + sig)
    if not verify_inclusion(index, note.size, leaf_hash(ehash), path, note.root):
        raise Fail("inclusion proof does not verify")
    return h, ehash, note


def check_consistency(text, old_text, keys):
    head, cp = split_proof(text, "old ")
    if not DECIMAL.match(head[0][4:]):
        raise Fail("bad old line")
    m = int(head[0][4:])
    path = read_hashes(head[1:])
    new = Note.parse(cp)
    check_note(new, keys)
    old = Note.parse(old_text)
    check_note(old, keys, origin=new.origin)
    if old.size != m:
        raise Fail("old checkpoint has size %d, proof is from %d" % (old.size, m))
    if m > new.size:
        raise Fail("old size above new size")
    if not verify_consistency(m, new.size, old.root, new.root, path):
        raise Fail("consistency proof does not verify")
    return old, new


# ---------------------------------------------------------------- §19 the schema, exactly

# (type, name, tbl_name, sql) of each object amanat makes; the triggers may be missing
SCHEMA = (
    ('table', 'entries', 'entries',
     'CREATE TABLE entries( seq INTEGER PRIMARY KEY, type INTEGER NOT NULL, header BLOB NOT NULL, sig BLOB NOT NULL, hash BLOB NOT NULL, wraps BLOB NOT NULL, meta BLOB NOT NULL)'),
    ('table', 'chunks', 'chunks',
     'CREATE TABLE chunks( id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, UNIQUE(seq, idx))'),
    ('table', 'tree', 'tree',
     'CREATE TABLE tree( level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY(level, idx)) WITHOUT ROWID'),
    ('table', 'checkpoints', 'checkpoints',
     'CREATE TABLE checkpoints( id INTEGER PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL, signer BLOB NOT NULL, note TEXT NOT NULL)'),
    ('trigger', 'entries_no_update', 'entries',
     "CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries BEGIN SELECT RAISE(ROLLBACK, 'amanat: entries are append-only'); END"),
    ('trigger', 'entries_no_delete', 'entries',
     "CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries BEGIN SELECT RAISE(ROLLBACK, 'amanat: entries are append-only'); END"),
    ('trigger', 'entries_append_only', 'entries',
     "CREATE TRIGGER entries_append_only BEFORE INSERT ON entries WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq) + 1, 0) FROM entries) BEGIN SELECT RAISE(ROLLBACK, 'amanat: entries are append-only'); END"),
    ('trigger', 'chunks_no_update', 'chunks',
     "CREATE TRIGGER chunks_no_update BEFORE UPDATE ON chunks BEGIN SELECT RAISE(ROLLBACK, 'amanat: chunks are append-only'); END"),
    ('trigger', 'chunks_no_delete', 'chunks',
     "CREATE TRIGGER chunks_no_delete BEFORE DELETE ON chunks BEGIN SELECT RAISE(ROLLBACK, 'amanat: chunks are append-only'); END"),
    ('trigger', 'chunks_append_only', 'chunks',
     "CREATE TRIGGER chunks_append_only BEFORE INSERT ON chunks WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq) + 1, 0) FROM entries)  OR EXISTS (SELECT 1 FROM chunks WHERE seq = NEW.seq AND idx = NEW.idx)  OR EXISTS (SELECT 1 FROM chunks WHERE id = NEW.id) BEGIN SELECT RAISE(ROLLBACK, 'amanat: chunks are append-only'); END"),
    ('trigger', 'tree_no_update', 'tree',
     "CREATE TRIGGER tree_no_update BEFORE UPDATE ON tree BEGIN SELECT RAISE(ROLLBACK, 'amanat: the tree is append-only'); END"),
    ('trigger', 'tree_no_delete', 'tree',
     "CREATE TRIGGER tree_no_delete BEFORE DELETE ON tree BEGIN SELECT RAISE(ROLLBACK, 'amanat: the tree is append-only'); END"),
    ('trigger', 'tree_no_replace', 'tree',
     "CREATE TRIGGER tree_no_replace BEFORE INSERT ON tree WHEN EXISTS (SELECT 1 FROM tree WHERE level = NEW.level AND idx = NEW.idx) BEGIN SELECT RAISE(ROLLBACK, 'amanat: the tree is append-only'); END"),
    ('trigger', 'checkpoints_no_update', 'checkpoints',
     "CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints BEGIN SELECT RAISE(ROLLBACK, 'amanat: checkpoints are append-only'); END"),
    ('trigger', 'checkpoints_no_delete', 'checkpoints',
     "CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints BEGIN SELECT RAISE(ROLLBACK, 'amanat: checkpoints are append-only'); END"),
    ('trigger', 'checkpoints_no_replace', 'checkpoints',
     "CREATE TRIGGER checkpoints_no_replace BEFORE INSERT ON checkpoints WHEN EXISTS (SELECT 1 FROM checkpoints WHERE id = NEW.id) BEGIN SELECT RAISE(ROLLBACK, 'amanat: checkpoints are append-only'); END"),
)
LEGACY_RAISE = (b"RAISE(ABORT, 'amanat:", b"RAISE(ROLLBACK, 'amanat:")


def check_schema(db, uver):
    """§19 "The schema, exactly": the four tables, SQLite's index for
    UNIQUE(seq, idx), any of the triggers (spelt RAISE(ABORT, in a vault of
    user_version 1), and nothing else."""
    want = {(t.encode(), n.encode(), tb.encode()): sql.encode() for t, n, tb, sql in SCHEMA}
    want[(b"index", b"sqlite_autoindex_chunks_1", b"chunks")] = None
    tables = 0
    for typ, name, tbl, sql in db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"):
        key = (typ, name, tbl)
        if uver == 1 and typ == b"trigger" and isinstance(sql, bytes):
            sql = sql.replace(*LEGACY_RAISE)
        if key not in want or want[key] != sql:
            what = typ.decode(errors="replace")
            raise Fail("the database holds %s %s %r that amanat does not make (or not so)"
                       % ("an" if what == "index" else "a", what, name.decode(errors="replace")))
        tables += typ == b"table"
    if tables != sum(t == "table" for t, _, _, _ in SCHEMA):
        raise Fail("a table of the vault is missing")


def read_spec_schema(text):
    """The statements FORMAT.md §19 "The schema, exactly" lists, one a line."""
    text = text[text.index("**The schema, exactly.**"):]
    text = text[text.index("```sql\n") + 7:]
    return [l[:-1] for l in text[:text.index("```")].split("\n") if l]


# ---------------------------------------------------------------- §19-§20 vault

def open_vault(path):
    try:
        db = sqlite3.connect("file:%s?mode=ro" % path.replace("?", "%3f").replace("#", "%23"),
                             uri=True)
        appid = db.execute("PRAGMA application_id").fetchone()[0]
        uver = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as e:
        raise Fail("cannot read %s: %s" % (path, e))
    # Only the bytes count (§19): a value stored as TEXT is read as its bytes,
    # as amanat does.
    db.text_factory = bytes
    # user_version 1 and 2 differ only in how the append-only triggers refuse,
    # 3 in which tree nodes are stored (§15, §19)
    if appid != 0x414D4E54 or uver not in (1, 2, 3):
        raise Fail("not an amanat vault (application_id %#x, user_version %d)" % (appid, uver))
    return db


def verify_vault(path):
    """§20 "From genesis", full tier.  Returns (entries, root)."""
    db = open_vault(path)
    try:
        db.execute("BEGIN")           # one read transaction for everything
        return _verify_vault(db)
    except sqlite3.Error as e:
        raise Fail("database error: %s" % e)
    finally:
        db.close()


def check_rewrap(h, auth, wrapsets, rewraps):
    """§24 rewrap rules a keyless verifier checks: each target an earlier
    sealed entry not already wrapped to the recipient, and the signer held a
    wrap of its key (in the entry itself, or in an earlier rewrap to them or
    to a key rotated into theirs)."""
    to, items = parse_rewrap(h.payload, h.seq)
    boxes = set(auth.boxes_of(h.signer))
    for t, via, _ in items:
        if t not in wrapsets:
            raise Fail("rewrap names entry %d, which is not a sealed entry" % t)
        if to in wrapsets[t]:
            raise Fail("rewrap wraps entry %d to a custodian it was already wrapped to" % t)
        if via == t:
            held = bool(wrapsets[t] & boxes)
        else:
            r = rewraps.get(via)
            held = r is not None and t in r[1] and r[0] in boxes
        if not held:
            raise Fail("rewrap signer held no wrap of the key of entry %d" % t)
    rewraps[h.seq] = (to, {t for t, _, _ in items})


def tree_low(db):
    """The lowest stored tree level (§15): 4 in a schema 3 vault, 0 before."""
    return 4 if db.execute("PRAGMA user_version").fetchone()[0] >= 3 else 0


def _verify_vault(db):
    check_schema(db, db.execute("PRAGMA user_version").fetchone()[0])
    low = tree_low(db)
    prev = bytes(32)
    n = 0
    auth = Membership()
    wrapsets, rewraps = {}, {}   # §24: sealed seq -> its wrap keys; rewrap seq -> (to, targets)
    signers, compromised = [], []
    nodes = {}                 # recomputed perfect subtrees (level, idx) -> hash
    expected_chunks = 0
    vault_id = None
    queue = []
    last_size = 0
    for cid, size, root, signer, note in db.execute(
            "SELECT id, size, root, signer, note FROM checkpoints ORDER BY id"):
        # §19 storage classes: id and size integers, root and signer blobs, note text
        types = db.execute("SELECT typeof(size), typeof(root), typeof(signer), typeof(note)"
                           " FROM checkpoints WHERE id = ?", (cid,)).fetchone()
        if types != (b"integer", b"blob", b"blob", b"text") or size <= 0:
            raise Fail("checkpoint %d: a column of the wrong type, or size 0" % cid)
        if size < last_size:
            raise Fail("checkpoint %d: size %d below the one before" % (cid, size))
        last_size = size
        queue.append((cid, size, root, signer, note))
    checked = 0
    imports = {}               # seq -> (field vault id, original seq, original hash, note size)
    owed = False

    rows = db.execute("SELECT seq, type, header, sig, hash, wraps, meta FROM entries ORDER BY seq")
    for seq, typ, hdr, sig, hcol, wraps, meta in rows:
        # a row below 0 fails too ("nothing below 0"); amanat skips such rows
        where = "entry %d: " % n
        try:
            if seq != n:                                                          # 1
                raise Fail("row seq %s, want %d" % (seq, n))
            if not isinstance(hdr, bytes) or not isinstance(sig, bytes) or len(sig) != 64:  # 2
                raise Fail("header or 64-byte signature missing")
            # §19 storage classes
            types = db.execute("SELECT typeof(type), typeof(header), typeof(sig), typeof(hash),"
                               " typeof(wraps), typeof(meta) FROM entries WHERE seq = ?",
                               (seq,)).fetchone()
            if types != (b"integer", b"blob", b"blob", b"blob", b"blob", b"blob"):
                raise Fail("a column of the wrong storage class")
            h = Header.parse(hdr)                                                 # 3
            if h.seq != n:                                                        # 4
                raise Fail("header seq %d" % h.seq)
            if n == 0:                                                            # 5
                vault_id = h.vault_id
            elif h.vault_id != vault_id:
                raise Fail("vault id differs from genesis")
            if h.prev != prev:                                                    # 6
                raise Fail("prev does not match the previous entry hash")
            if not ed25519_ok(h.signer, DOM_SIG + hdr, sig):                      # 7
                raise Fail("signature does not verify")
            if owed and not h.flags & 1:                                          # 14, §27
                where = "entry %d: " % (n - 1)
                raise Fail("no stored checkpoint of size %d by the entry's signer" % n)
            owed = False
            ehash = H(hdr + sig)
            if typ != h.type or hcol != ehash:                                    # 8
                raise Fail("type or hash column does not match")
            wraps = wraps if isinstance(wraps, bytes) else None
            meta = meta if isinstance(meta, bytes) else None
            if h.sealed:                                                          # 9
                if wraps is None or len(wraps) != h.wraps_size or H(wraps) != h.wraps_hash:
                    raise Fail("wraps block does not match its signed size and hash")
                keys = [pk for pk, _ in parse_wraps(wraps, wraps_flags(h))]
                # §25.3: an import's keys were wrapped in its field vault
                if h.type != IMPORT and keys != auth.custodian_keys():
                    raise Fail("not wrapped to exactly the custodians at this entry")
            elif wraps != b"" or meta != b"":
                raise Fail("public entry with wraps or metadata")
            auth.apply(h)                                                         # 10
            if h.sealed:
                wrapsets[n] = set(keys)
            if h.type == REWRAP:
                check_rewrap(h, auth, wrapsets, rewraps)
            if h.type == REVOKE:
                pk, kind, since, _, reason = parse_revocation(h.payload)
                if kind:
                    compromised.append((n, pk, since, reason,
                                        [i for i in range(since, n) if signers[i] == pk]))
            signers.append(h.signer)
            if h.type == IMPORT:                                                  # §25.3
                imports[n] = check_import(h, auth, imports)
            elif h.type == ACK:                                                   # §25.5
                check_ack(h, auth)
            if h.sealed:                                                          # 11
                expected_chunks += h.chunk_count
                if meta is None or len(meta) != h.meta_size or H(meta) != h.meta_hash:
                    raise Fail("metadata does not match its signed size and hash")
                check_chunk_rows(db, h)
            i = n                                                                 # 12
            nodes[(0, i)] = leaf_hash(ehash)
            level = 0
            while i & 1:
                i >>= 1
                level += 1
                nodes[(level, i)] = node_hash(nodes[(level - 1, 2 * i)],
                                              nodes[(level - 1, 2 * i + 1)])
            for lv in range(low, level + 1):
                idx = n >> lv
                got = db.execute("SELECT hash, typeof(hash) FROM tree WHERE level = ? AND idx = ?",
                                 (lv, idx)).fetchone()
                if got is None or got[1] != b"blob" or got[0] != nodes[(lv, idx)]:
                    raise Fail("tree node (%d, %d) missing or wrong" % (lv, idx))
            prev = ehash                                                          # 13
            n += 1
            root = root_from_perfect(nodes, n)                                    # 14
            by_appender = False
            while queue and queue[0][1] <= n:
                cid, size, croot, csigner, note = queue.pop(0)
                if size < n:
                    raise Fail("checkpoint %d out of order" % cid)
                check_stored_checkpoint(cid, croot, csigner, note, auth, vault_id, n, root)
                by_appender |= csigner == h.signer
                checked += 1
            owed = not by_appender   # unless entry n continues the batch (§27)
        except Fail as e:
            raise Fail(where + str(e))

    if n == 0:                                                                    # 15
        raise Fail("vault has no entries")
    if owed:                                                                      # 14, §27
        raise Fail("entry %d: no stored checkpoint of size %d by the entry's signer" % (n - 1, n))
    where = "after entry %d: " % (n - 1)
    total = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    if total != expected_chunks:                                                  # 16
        raise Fail(where + "%d chunk rows, want %d" % (total, expected_chunks))
    tree_rows = db.execute("SELECT count(*) FROM tree").fetchone()[0]
    want = sum(n >> lv for lv in range(low, n.bit_length()))
    if tree_rows != want:                                                         # 17
        raise Fail(where + "%d tree rows, want %d" % (tree_rows, want))
    if queue:                                                                     # 18
        raise Fail(where + "checkpoint %d of size %d is beyond the log" % (queue[0][0], queue[0][1]))
    return n, root_from_perfect(nodes, n), checked, compromised


def member_signed(note, auth, roles=0xFF):
    """A valid signature on note by some current member of auth holding one of
    roles (§25.3; §25.5: a custodian)."""
    if len(note.sigs) != 1:
        return False
    for m in auth.members:
        if m[3] & roles == 0:
            continue
        key = VerifierKey(note.origin, TYPE_ED25519, m[0])
        if note.valid_signatures([key])[key]:
            return True
    return False


BODY_FIELDS = ("uid", "size", "chunk_size", "chunk_count", "ct_size", "ct_hash",
               "wraps_size", "wraps_hash", "meta_size", "meta_hash", "fields_root")


def parse_import(h):
    """§25.3 payload: (original header, its signature, note bytes, proof hashes)."""
    p = h.payload
    if len(p) < 4:
        raise Fail("import payload too short")
    hlen = struct.unpack_from(">I", p, 0)[0]
    at = 4 + hlen + 64
    if len(p) < at + 4:
        raise Fail("import payload truncated")
    ohdr, osig = p[4:4 + hlen], p[4 + hlen:at]
    cplen = struct.unpack_from(">I", p, at)[0]
    note = p[at + 4:at + 4 + cplen]
    at += 4 + cplen
    if cplen == 0 or len(p) < at + 1:
        raise Fail("import payload truncated")
    n = p[at]
    proof = [p[at + 1 + 32 * i:at + 33 + 32 * i] for i in range(n)]
    if n > 64 or len(p) != at + 1 + 32 * n:
        raise Fail("import payload has a bad proof length or trailing bytes")
    return ohdr, osig, note, proof


def check_import(h, auth, imports):
    """§25.3 verification of import entry h; returns what a later import checks."""
    ohdr, osig, raw_note, proof = parse_import(h)
    o = Header.parse(ohdr)
    if not ed25519_ok(o.signer, DOM_SIG + ohdr, osig):
        raise Fail("imported original's signature does not verify")
    if o.type == IMPORT:
        raise Fail("imported original is itself an import")
    if TESTIMONY <= o.type <= CUSTODY:
        if not h.sealed or any(getattr(h, f) != getattr(o, f) for f in BODY_FIELDS) or \
                (h.flags & CHUNK_HASHED) != (o.flags & CHUNK_HASHED):      # §28
            raise Fail("import header's body fields are not the original's")
    elif h.sealed:
        raise Fail("import of a public entry carries a body")
    if o.vault_id == h.vault_id:
        raise Fail("imports an entry of this same vault")
    note = Note.parse(raw_note)
    if note.origin != "amanat/" + o.vault_id.hex() or len(note.sigs) != 1:
        raise Fail("field checkpoint is not one signed note of the field vault")
    ohash = H(ohdr + osig)
    if o.seq >= note.size or not verify_inclusion(o.seq, note.size, leaf_hash(ohash), proof, note.root):
        raise Fail("field entry %d is not proved to be in the field checkpoint" % o.seq)
    if not member_signed(note, auth):
        raise Fail("field checkpoint is not signed by a member of this vault")
    if TESTIMONY <= o.type <= CUSTODY and not auth.roles(o.signer) & MAY_SIGN[o.type]:
        raise Fail("field entry's sealer is not enrolled here with a role that may seal it")
    if len(h.refs) > 1:
        raise Fail("import names more than one earlier import")
    if not h.refs:
        if o.seq != 0 or o.type != GENESIS or o.vault_id != genesis_vault_id(ohdr):
            raise Fail("the first import of a field vault is not its genesis")
        if ("auth", o.vault_id) in imports:
            raise Fail("the field vault's genesis is imported twice: two chains of one field vault")
    else:
        prev = imports.get(h.refs[0])
        if prev is None or prev[0] != o.vault_id or ("auth", o.vault_id) not in imports:
            raise Fail("it follows no import of the same field vault")
        if o.seq != prev[1] + 1 or o.prev != prev[2]:
            raise Fail("field entry %d does not follow the one imported before" % o.seq)
        if note.size < prev[3]:
            raise Fail("its field checkpoint is older than the one before")
        if o.seq != imports.get(("next", o.vault_id)):
            raise Fail("field entry %d was already imported: each is imported once, in order"
                       % o.seq)
    # the field vault's own rules, replayed from its imported originals
    fauth = imports.setdefault(("auth", o.vault_id), Membership())
    try:
        fauth.apply(o)
    except Fail as e:
        raise Fail("field entry %d breaks its own vault's rules: %s" % (o.seq, e))
    if o.seq + 1 == note.size and not member_signed(note, fauth):
        raise Fail("the field checkpoint is not signed by a member of the field vault")
    imports[("next", o.vault_id)] = o.seq + 1
    return o.vault_id, o.seq, ohash, note.size


def check_ack(h, auth):
    """§25.5: an acknowledgement of this vault, signed by a member."""
    note = Note.parse(h.payload)
    if len(note.lines) != 4 or len(note.sigs) != 1:
        raise Fail("ack note is not a checkpoint with one extension line and one signature")
    parts = note.lines[3].split(" ")
    if (len(parts) != 4 or parts[0] != "absorbed" or parts[1] != "amanat/" + h.vault_id.hex()
            or not DECIMAL.match(parts[2])):
        raise Fail("ack does not acknowledge this vault")
    b64decode(parts[3], 32)
    if int(parts[2]) > h.seq:
        raise Fail("ack acknowledges more entries than came before it")
    if not member_signed(note, auth, CUSTODIAN):
        raise Fail("ack note is not signed by a custodian")


def check_chunk_rows(db, h):
    """§20 step 11, full tier: the chunk rows of h, without a key."""
    ctx = ContentHash(h.flags)
    total = 0
    count = 0
    for idx, data, cls in db.execute("SELECT idx, data, typeof(data) FROM chunks WHERE seq = ?"
                                     " ORDER BY idx", (h.seq,)):
        if idx != count or count >= h.chunk_count:
            raise Fail("chunk rows are not exactly 0 .. %d" % (h.chunk_count - 1))
        if cls != b"blob":                                                    # §19
            raise Fail("chunk %d is not stored as a blob" % idx)
        if not 17 <= len(data) <= h.chunk_size + 17:
            raise Fail("chunk %d has a bad length" % idx)
        ctx.add(data)
        total += len(data)
        count += 1
    if count != h.chunk_count:
        raise Fail("%d chunk rows, want %d" % (count, h.chunk_count))
    if total != h.ct_size:
        raise Fail("chunk lengths sum to %d, ct_size %d" % (total, h.ct_size))
    if ctx.digest() != h.ct_hash:
        raise Fail("content ciphertext does not match its signed hash")


def check_stored_checkpoint(cid, root_col, signer, note, auth, vault_id, n, root):
    """§20 step 14 for one stored checkpoint of size n."""
    what = "checkpoint %d: " % cid
    if root_col != root:
        raise Fail(what + "root column is not the tree root")
    if not isinstance(signer, bytes) or len(signer) != 32:
        raise Fail(what + "signer is not 32 bytes")
    origin = "amanat/" + vault_id.hex()
    try:
        parsed = Note.parse(note if isinstance(note, (bytes, str)) else b"")
    except Fail as e:
        raise Fail(what + str(e))
    if parsed.origin != origin or parsed.size != n or parsed.root != root:
        raise Fail(what + "note does not name this vault, size and root")
    if len(parsed.lines) != 3 or len(parsed.sigs) != 1:
        raise Fail(what + "not exactly three lines and one signature")
    if auth.roles(signer) == 0:
        raise Fail(what + "signer has no roles")
    key = VerifierKey(origin, TYPE_ED25519, signer)
    try:
        found = parsed.valid_signatures([key])
    except Fail as e:
        raise Fail(what + str(e))
    if len(found[key]) != 1:
        raise Fail(what + "%d valid signatures by its signer, want 1" % len(found[key]))


# ---------------------------------------------------------------- §18, §21 decryption

def open_keyfile(path, passphrase):
    with open(path, "rb") as f:
        return open_keyfile_bytes(f.read(4097), passphrase)


def open_keyfile_bytes(b, passphrase):
    """§18: returns (name, sign_pk, box_pk, seed, box_sk); versions 2 and 1."""
    if len(b) > 4096 or len(b) < 130 or b[:4] != b"AMNK":
        raise Fail("not an amanat key file")
    version, alg, reserved, ops, mem = struct.unpack_from(">HBBQQ", b, 4)
    if version not in (1, 2) or alg != 2 or reserved != 0:
        raise Fail("unsupported key file")
    salt, nonce = b[24:40], b[40:64]
    nlen = b[128]
    h = 129 + nlen + (8 if version == 2 else 0)  # version 2: u64 created after the name
    if not 1 <= nlen <= 64 or len(b) != h + 80 or not IDENTITY_NAME.match(b[129:129 + nlen]):
        raise Fail("key file has a bad length or name")
    if not 2 <= ops <= 16 or not 67108864 <= mem <= 1073741824:
        raise Fail("key file Argon2id limits out of range")
    key = nacl.pwhash.argon2id.kdf(32, passphrase, salt, opslimit=ops, memlimit=mem)
    try:
        secret = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            b[h:], b[:h], nonce, key)
    except nacl.exceptions.CryptoError:
        raise Fail("wrong passphrase or damaged key file")
    seed, box_sk = secret[:32], secret[32:]
    sign_pk = bytes(nacl.signing.SigningKey(seed).verify_key)
    box_pk = bytes(nacl.public.PrivateKey(box_sk).public_key)
    if sign_pk != b[64:96] or box_pk != b[96:128]:
        raise Fail("key file public keys do not match its secret")
    return b[129:129 + nlen].decode(), sign_pk, box_pk, seed, box_sk


def kdf(key, subkey_id, ctx):
    """§2 KDF = crypto_kdf_derive_from_key, spelled out with BLAKE2b."""
    return hashlib.blake2b(b"", digest_size=32, key=key,
                           salt=struct.pack("<Q", subkey_id) + bytes(8),
                           person=ctx + bytes(8)).digest()


def aead_open(key, nonce, ad, ct):
    try:
        return nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(ct, ad, nonce, key)
    except nacl.exceptions.CryptoError:
        return None


def parse_fields(block):
    """§13: [(name, value, salt)] of a fields block, strictly."""
    if len(block) < 4:
        raise Fail("fields block too short")
    count = struct.unpack_from(">I", block)[0]
    if count > 4096:
        raise Fail("too many fields")
    pos, out = 4, []
    for _ in range(count):
        if len(block) < pos + 36:
            raise Fail("fields block truncated")
        salt = block[pos:pos + 32]
        nlen = struct.unpack_from(">I", block, pos + 32)[0]
        pos += 36
        name = block[pos:pos + nlen]
        if len(name) != nlen or not FIELD_NAME.match(name):
            raise Fail("bad field name")
        pos += nlen
        if len(block) < pos + 4:
            raise Fail("fields block truncated")
        vlen = struct.unpack_from(">I", block, pos)[0]
        value = block[pos + 4:pos + 4 + vlen]
        if len(value) != vlen:
            raise Fail("fields block truncated")
        pos += 4 + vlen
        if out and name <= out[-1][0]:
            raise Fail("field names not strictly increasing")
        out.append((name, value, salt))
    if pos != len(block):
        raise Fail("bytes after the last field")
    return out


def fields_root(fields):
    digests = b"".join(H(DOM_FIELD + s + u32(len(nm)) + nm + u32(len(v)) + v)
                       for nm, v, s in fields)
    return H(DOM_FIELDS + u32(len(fields)) + digests)


def unpack_chunk(plain, want):
    """§12: mode 0 stored, mode 1 exactly one zlib stream of exactly `want` bytes."""
    if not plain:
        raise Fail("chunk without a mode byte")
    mode, body = plain[0], plain[1:]
    if mode == 0:
        if len(body) != want:
            raise Fail("stored chunk has the wrong length")
        return body
    if mode == 1:
        d = zlib.decompressobj()
        try:
            out = d.decompress(body, want + 1)
        except zlib.error:
            raise Fail("chunk does not inflate")
        if len(out) != want or not d.eof or d.unused_data or d.unconsumed_tail:
            raise Fail("chunk does not inflate to exactly its length")
        return out
    raise Fail("chunk mode %d" % mode)


def membership_at(db, h):
    """§21 step 1: the membership h was sealed under, from its auth_seq links."""
    path, a = [], h.auth_seq
    while True:
        row = db.execute("SELECT header, sig FROM entries WHERE seq = ?", (a,)).fetchone()
        if row is None:
            raise Fail("authority entry %d missing" % a)
        e = Header.parse(row[0])
        if e.seq != a or e.type not in PUBLIC_TYPES or not ed25519_ok(e.signer, DOM_SIG + row[0], row[1]):
            raise Fail("authority entry %d is not a valid public entry" % a)
        path.append(e)
        if a == 0:
            break
        if e.auth_seq >= a:
            raise Fail("authority link does not point backwards")
        a = e.auth_seq
    auth = Membership()
    for e in reversed(path):
        auth.apply(e)
    return auth


def rewrapped_box(db, seq, box_pk):
    """§24: the wrap of entry seq's key to box_pk in a later rewrap entry (its
    header and signature checked; the rest of its rules are verify's, run
    'vault' first), or None."""
    for hdr, sig in db.execute("SELECT header, sig FROM entries WHERE type = ? AND seq > ? "
                               "ORDER BY seq", (REWRAP, seq)):
        r = Header.parse(hdr)
        if r.type != REWRAP or not ed25519_ok(r.signer, DOM_SIG + hdr, sig):
            continue
        to, items = parse_rewrap(r.payload, r.seq)
        for t, _, box in items:
            if to == box_pk and t == seq:
                return box
    return None


def open_bwrap(wrap, vid, uid, pk, sk):
    """§29: the content key in a batch wrap epk || nonce || ct, for (pk, sk)."""
    epk, nonce, ct = wrap[:32], wrap[32:56], wrap[56:]
    try:
        ss = nacl.bindings.crypto_scalarmult(sk, epk)
    except nacl.exceptions.CryptoError:
        raise Fail("batch wrap: low-order ephemeral key")
    kw = hashlib.blake2b(DOM_BWRAP_KEY + ss + epk + pk, digest_size=32).digest()
    K = aead_open(kw, nonce, DOM_BWRAP_AD + vid + uid + pk, ct)
    if K is None or len(K) != 32:
        raise Fail("wrapped key does not open")
    return K


def decrypt_entry(path, seq, idfile, passphrase, sink=None):
    """§21: open sealed entry seq with a custodian's key file.  Content goes to
    sink(bytes) as it is checked; the caller MUST discard it if this raises."""
    name, sign_pk, box_pk, seed, box_sk = open_keyfile(idfile, passphrase)
    db = open_vault(path)
    db.execute("BEGIN")
    try:
        return _decrypt_entry(db, seq, name, box_pk, box_sk, sink)
    except Fail as e:
        raise Fail("entry %d: %s" % (seq, e))
    finally:
        db.close()


def _decrypt_entry(db, seq, name, box_pk, box_sk, sink):
    row = db.execute("SELECT header, sig, wraps, meta FROM entries WHERE seq = ?", (seq,)).fetchone()
    if row is None:
        raise Fail("no such entry")
    hdr, sig, wraps, meta = row
    h = Header.parse(hdr)                                                   # 1
    if h.seq != seq or not ed25519_ok(h.signer, DOM_SIG + hdr, sig):
        raise Fail("header or signature invalid")
    if not h.sealed:
        raise Fail("public entry: nothing to decrypt")
    # §25.3: an import's body was sealed in its field vault, as its original
    body_vid, body_type = h.vault_id, h.type
    if h.type == IMPORT:
        o = Header.parse(parse_import(h)[0])
        body_vid, body_type = o.vault_id, o.type
    if not membership_at(db, h).roles(h.signer) & MAY_SIGN[h.type]:
        raise Fail("its signer may not sign it")
    if len(wraps) != h.wraps_size or H(wraps) != h.wraps_hash:             # 2
        raise Fail("wraps block does not match its header")
    bwrap = wraps_flags(h) & BWRAP
    box = dict(parse_wraps(wraps, bwrap)).get(box_pk)
    if box is None:
        bwrap, box = 0, rewrapped_box(db, seq, box_pk)
    if box is None:
        raise Fail("not sealed to %s" % name)
    if bwrap:
        K = open_bwrap(box, body_vid, h.uid, box_pk, box_sk)
    else:
        try:
            K = nacl.public.SealedBox(nacl.public.PrivateKey(box_sk)).decrypt(box)
        except nacl.exceptions.CryptoError:
            raise Fail("wrapped key does not open")
    if len(meta) != h.meta_size or H(meta) != h.meta_hash:                 # 3
        raise Fail("metadata does not match its header")
    block = aead_open(kdf(K, 2, b"amnmeta_"), bytes(24), DOM_META + body_vid + h.uid, meta)
    if block is None:
        raise Fail("metadata does not decrypt")
    fields = parse_fields(block)
    if fields_root(fields) != h.fields_root:
        raise Fail("fields root does not match")
    Kc = kdf(K, 1, b"amnchunk")                                             # 4
    ad = DOM_CHUNK + body_vid + h.uid
    digest, ctx = hashlib.sha256(), ContentHash(h.flags)
    got = total = count = deflated = 0
    for idx, ct in db.execute("SELECT idx, data FROM chunks WHERE seq = ? ORDER BY idx", (seq,)):
        if idx != count or count >= h.chunk_count or not 17 <= len(ct) <= h.chunk_size + 17:
            raise Fail("chunk %s out of place or of a bad length" % idx)
        last = count == h.chunk_count - 1
        nonce = bytes(15) + u64(count) + (b"\x01" if last else b"\x00")
        plain = aead_open(Kc, nonce, ad, ct)
        if plain is None:
            raise Fail("chunk %d does not decrypt" % count)
        try:
            data = unpack_chunk(plain, min(h.chunk_size, h.size - got))
        except Fail as e:
            raise Fail("chunk %d: %s" % (count, e))
        deflated += plain[0] == 1
        digest.update(data)
        if sink:
            sink(data)
        ctx.add(ct)
        got += len(data)
        total += len(ct)
        count += 1
    if count != h.chunk_count or got != h.size or total != h.ct_size or ctx.digest() != h.ct_hash:
        raise Fail("content incomplete or does not match its header")
    sha = digest.hexdigest()
    if body_type != CUSTODY and dict((f[0], f[1]) for f in fields).get(b"sha256") != sha.encode():
        raise Fail("content SHA-256 differs from its sha256 field")
    return h, fields, sha, count, deflated


# ---------------------------------------------------------------- §23 test vectors

def read_spec_vectors(text):
    """The `name = hex` values FORMAT.md §23 copies, and its size-4 checkpoint."""
    text = text[text.index("### Expected values"):]
    vec, cur = {}, None
    for line in text.split("\n"):
        m = re.match(r"([a-z0-9_]+\.[a-z0-9_.]+)(?:\s+([0-9a-f]+))?\s*\Z", line)
        if m:
            cur = m.group(1)
            vec[cur] = m.group(2) or ""
        elif cur and re.match(r"\s+[0-9a-f]+\s*\Z", line):
            vec[cur] += line.strip()
        else:
            cur = None
    note = text[text.index("The checkpoint of size 4"):]
    note = note[note.index("```\n") + 4:]
    return {k: bytes.fromhex(v) for k, v in vec.items() if v}, note[:note.index("```")]


def check_spec_vectors(path):
    """Rebuild the §23 values from its inputs with this file's code."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    V, note = read_spec_vectors(text)
    # the schema this file checks vaults against is FORMAT.md's, line for line
    if read_spec_schema(text) != [sql for _, _, _, sql in SCHEMA]:
        raise Fail("FORMAT.md's schema (§19) is not the one this verifier checks")

    def pattern(s, n):
        return bytes((s + i) % 256 for i in range(n))

    def want(name, got):
        if V.get(name) != got:
            raise Fail("vector %s: computed %s" % (name, got.hex()))

    adm_seed, adm_x, cus_seed, cus_x = pattern(0, 32), pattern(0x20, 32), pattern(0x40, 32), pattern(0x60, 32)
    cus_box = bytes(nacl.public.PrivateKey(cus_x).public_key)
    want("admin.sign_pk", bytes(nacl.signing.SigningKey(adm_seed).verify_key))
    want("admin.box_pk", bytes(nacl.public.PrivateKey(adm_x).public_key))
    want("custodian.sign_pk", bytes(nacl.signing.SigningKey(cus_seed).verify_key))
    want("custodian.box_pk", cus_box)
    want("admin.key_id", H(V["admin.sign_pk"])[:8])
    want("custodian.key_id", H(V["custodian.sign_pk"])[:8])
    auth, nodes = Membership(), {}
    for i, e in enumerate(["genesis", "enroll", "testimony", "custody"]):
        h = Header.parse(V[e + ".header"])
        if h.seq != i or not ed25519_ok(h.signer, DOM_SIG + h.raw, V[e + ".sig"]):
            raise Fail("vector %s: header or signature" % e)
        if h.sealed and auth.custodian_keys() != [cus_box]:
            raise Fail("vector %s: custodians" % e)
        auth.apply(h)
        want(e + ".hash", H(h.raw + V[e + ".sig"]))
        want("tree.leaf.%d" % i, leaf_hash(V[e + ".hash"]))
        nodes[(0, i)] = V["tree.leaf.%d" % i]
        j, lv = i, 0
        while j & 1:
            j, lv = j >> 1, lv + 1
            nodes[(lv, j)] = node_hash(nodes[(lv - 1, 2 * j)], nodes[(lv - 1, 2 * j + 1)])
        want("tree.root.%d" % (i + 1), root_from_perfect(nodes, i + 1))
    split = lambda b: [b[i:i + 32] for i in range(0, len(b), 32)]
    if not verify_inclusion(2, 4, V["tree.leaf.2"], split(V["tree.inclusion.2.4"]), V["tree.root.4"]):
        raise Fail("vector tree.inclusion.2.4")
    if not verify_consistency(3, 4, V["tree.root.3"], V["tree.root.4"], split(V["tree.consistency.3.4"])):
        raise Fail("vector tree.consistency.3.4")
    gen = Header.parse(V["genesis.header"])
    if gen.uid != pattern(0xa0, 16):
        raise Fail("vector genesis: uid")
    key = VerifierKey("amanat/" + gen.vault_id.hex(), TYPE_ED25519, V["custodian.sign_pk"])
    want("checkpoint.key_id", key.id)
    cp = Note.parse(note)
    check_note(cp, [key], origin=key.name)
    if cp.size != 4 or cp.root != V["tree.root.4"]:
        raise Fail("vector checkpoint: size or root")
    # the testimony body, opened with its content key
    K, h = pattern(0x80, 32), Header.parse(V["testimony.header"])
    want("testimony.chunk_key", kdf(K, 1, b"amnchunk"))
    want("testimony.meta_key", kdf(K, 2, b"amnmeta_"))
    line = b"W-0042 (fictional) describes a fictional event for test vectors.\n"
    content = (line * 65)[:4196]
    want("testimony.plaintext_sha256", H(content))
    want("testimony.chunk_ad", DOM_CHUNK + h.vault_id + h.uid)
    want("testimony.meta_ad", DOM_META + h.vault_id + h.uid)
    cts = [V["testimony.chunk.0"], V["testimony.chunk.1"]]
    plain = [aead_open(V["testimony.chunk_key"], bytes(15) + u64(i) + bytes([i]), V["testimony.chunk_ad"], c)
             for i, c in enumerate(cts)]
    if plain[0] != V["testimony.chunk.0.packed"] or unpack_chunk(plain[0], 4096) + \
            unpack_chunk(plain[1], 100) != content:
        raise Fail("vector testimony.chunk.*")
    want("testimony.ct_hash", content_hash(cts))
    want("testimony.ct_hash_per_chunk", content_hash(cts, CHUNK_HASHED))    # §28
    fields = [(b"case", b"C-0001 (fictional)"), (b"sha256", H(content).hex().encode()),
              (b"size", b"4196"), (b"title", b"Fictional interview with W-0042")]
    fields = [(n, v, bytes([k + 1]) * 32) for k, (n, v) in enumerate(fields)]
    for n, v, salt in fields:
        want("testimony.field.%s.digest" % n.decode(), H(DOM_FIELD + salt + u32(len(n)) + n + u32(len(v)) + v))
    want("testimony.fields_root", fields_root(fields))
    want("empty.fields_root", fields_root([]))
    if nacl.public.SealedBox(nacl.public.PrivateKey(cus_x)).decrypt(V["testimony.wrap"]) != K:
        raise Fail("vector testimony.wrap")
    Kc = pattern(0xe0, 32)
    want("custody.chunk_key", kdf(Kc, 1, b"amnchunk"))
    h = Header.parse(V["custody.header"])
    if aead_open(V["custody.chunk_key"], bytes(23) + b"\x01", DOM_CHUNK + h.vault_id + h.uid,
                 V["custody.chunk.0"]) != b"\x00":
        raise Fail("vector custody.chunk.0")
    want("custody.ct_hash", content_hash([V["custody.chunk.0"]]))
    want("custody.ct_hash_per_chunk", content_hash([V["custody.chunk.0"]], CHUNK_HASHED))
    pw = b"fictional passphrase for test vectors"
    want("keyfile.argon2id_key", nacl.pwhash.argon2id.kdf(32, pw, pattern(0x50, 16),
                                                           opslimit=2, memlimit=67108864))
    if open_keyfile_bytes(V["keyfile.file"], pw)[:3] != ("fictional-admin", V["admin.sign_pk"], V["admin.box_pk"]):
        raise Fail("vector keyfile.file")
    return len(V)


# ---------------------------------------------------------------- command line

def check_lifecycle_vectors(path):
    """§24's known answers (tests/vectors/lifecycle.txt), recomputed from the
    inputs FORMAT.md §24 names; the pinned sealed box must open to K."""
    want = {}
    for line in open(path):
        if " = " in line and not line.startswith("#"):
            k, v = line.strip().split(" = ")
            want[k] = bytes.fromhex(v)

    def pattern(s, n):
        return bytes((s + i) & 0xff for i in range(n))

    def check(name, got):
        if want.get(name) != got:
            raise Fail("lifecycle vector %s differs" % name)

    cust = nacl.signing.SigningKey(pattern(0x40, 32))
    succ = nacl.signing.SigningKey(pattern(0x10, 32))
    succ_box = nacl.public.PrivateKey(pattern(0x30, 32))
    vid = pattern(0x90, 16)
    cpk = bytes(cust.verify_key)
    check("vault_id", vid)
    check("successor.sign_pk", bytes(succ.verify_key))
    check("successor.box_pk", bytes(succ_box.public_key))
    reason = b"fictional: laptop seized"
    check("revoke.payload.seq", cpk + struct.pack(">BBQqH", 1, 1, 2, 0, len(reason)) + reason)
    check("revoke.payload.time", cpk + struct.pack(">BBQqH", 1, 2, 1, 1700000000000 + 1500, 0))
    for name in ("revoke.payload.seq", "revoke.payload.time"):
        parse_revocation(want[name])
    name = b"fictional-successor"
    rec = bytes(succ.verify_key) + bytes(succ_box.public_key) + bytes([OFFICER | CUSTODIAN, len(name)]) + name
    binput = DOM_ROTATE + vid + cpk + rec
    check("rotate.binding_input", binput)
    binding = cust.sign(binput).signature
    check("rotate.binding", binding)
    check("rotate.payload", cpk + rec + binding)
    box = want.get("rewrap.box", b"")
    try:
        K = nacl.public.SealedBox(succ_box).decrypt(box)
    except nacl.exceptions.CryptoError:
        raise Fail("lifecycle vector rewrap.box does not open")
    if K != pattern(0x80, 32):
        raise Fail("lifecycle vector rewrap.box does not hold K")
    check("rewrap.payload", bytes(succ_box.public_key) + u32(1) + u64(2) + u64(2) + box)
    to, items = parse_rewrap(want["rewrap.payload"], 5)
    return len(want)


def main(argv):
    ap = argparse.ArgumentParser(prog="amverify.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("vault", help="verify a vault from genesis (full tier)")
    p.add_argument("path")
    p = sub.add_parser("checkpoint", help="verify a signed checkpoint")
    p.add_argument("file")
    p.add_argument("--key", action="append", required=True)
    p.add_argument("--cosigner", action="append", default=[])
    p.add_argument("--quorum", type=int)
    p = sub.add_parser("inclusion", help="verify a c2sp.org/tlog-proof@v1 inclusion proof")
    p.add_argument("file")
    p.add_argument("--key", action="append", required=True)
    p = sub.add_parser("consistency", help="verify an 'old N' consistency proof")
    p.add_argument("file")
    p.add_argument("--old", required=True)
    p.add_argument("--key", action="append", required=True)
    p = sub.add_parser("decrypt", help="decrypt one sealed entry as a custodian")
    p.add_argument("path")
    p.add_argument("seq", type=int)
    p.add_argument("--identity", required=True)
    p.add_argument("--passphrase-env", required=True)
    p.add_argument("-o", dest="out")
    p = sub.add_parser("vectors", help="recompute the test vectors FORMAT.md §23 copies")
    p.add_argument("format_md")
    p = sub.add_parser("lifecycle-vectors", help="recompute tests/vectors/lifecycle.txt (§24)")
    p.add_argument("file")
    a = ap.parse_args(argv)

    def read(path):
        with open(path, "rb") as f:
            return f.read()

    try:
        if a.cmd == "vault":
            if not os.path.isfile(a.path):
                sys.stderr.write("amverify: no such file %s\n" % a.path)
                return 2
            n, root, cps, compromised = verify_vault(a.path)
            print("ok %d entries root %s" % (n, root.hex()))
            for rseq, pk, since, reason, seqs in compromised:
                print("compromised key %s revoked in entry %d since entry %d signed: %s" % (
                    H(pk)[:8].hex(), rseq, since, " ".join(map(str, seqs)) or "none"))
        elif a.cmd == "checkpoint":
            note = Note.parse(read(a.file))
            got = check_note(note, [VerifierKey.parse(k) for k in a.key],
                             [VerifierKey.parse(k) for k in a.cosigner], a.quorum)
            print("ok %s size %d root %s cosignatures %d" % (note.origin, note.size, note.root.hex(), got))
        elif a.cmd == "inclusion":
            h, ehash, note = check_inclusion(read(a.file), [VerifierKey.parse(k) for k in a.key])
            print("ok entry %d (%s) hash %s in tree %d" % (h.seq, TYPE_NAMES[h.type], ehash.hex(), note.size))
        elif a.cmd == "consistency":
            old, new = check_consistency(read(a.file), read(a.old), [VerifierKey.parse(k) for k in a.key])
            print("ok %d -> %d root %s" % (old.size, new.size, new.root.hex()))
        elif a.cmd == "decrypt":
            pw = os.environ.get(a.passphrase_env)
            if not pw:
                sys.stderr.write("amverify: $%s is empty\n" % a.passphrase_env)
                return 2
            part = a.out + ".part" if a.out else None
            sink = open(part, "wb") if part else None
            try:
                h, fields, sha, chunks, deflated = decrypt_entry(
                    a.path, a.seq, a.identity, pw.encode(), sink.write if sink else None)
            except BaseException:
                if sink:
                    sink.close()
                    os.unlink(part)
                raise
            if sink:
                sink.close()
                os.replace(part, a.out)
            for name, value, _ in fields:
                try:
                    v = value.decode("utf-8")
                except UnicodeDecodeError:
                    v = "hex:" + value.hex()
                print("%s = %s" % (name.decode(), v))
            print("content sha256 %s size %d chunks %d deflated %d" % (sha, h.size, chunks, deflated))
        elif a.cmd == "vectors":
            print("ok %d vectors" % check_spec_vectors(a.format_md))
        elif a.cmd == "lifecycle-vectors":
            print("ok %d vectors" % check_lifecycle_vectors(a.file))
    except Fail as e:
        print("FAIL: %s" % e)
        return 1
    except OSError as e:
        sys.stderr.write("amverify: %s\n" % e)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
