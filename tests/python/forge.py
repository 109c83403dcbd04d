#!/usr/bin/python3
"""forge: the attacker's tools for tests/cli/trust_attacks.sh and bundle_index.sh.

The attacker can write the vault file (SQLite) and a bundle directory but
holds no member's key.  Everything here is built from docs/FORMAT.md and
docs/BUNDLE.md, reusing the parsing and encoding of amverify.py (the
independent verifier next to this file); nothing calls amanat.

  forge.py plant-tree DB
      Replace every stored tree node with the perfect subtrees of fabricated
      leaves and add one checkpoint row (the log's size, the fabricated root,
      a random signer, a note with a junk signature), so that the stored tree
      and the newest checkpoint agree on a root that is not the log's.
      Prints the fabricated root (hex).
  forge.py bad-checkpoints DB PUB
      Prints how many checkpoint rows carry a valid signature by PUB (an
      amanat .pub file) over a root that is not the root recomputed from the
      entries' own bytes at that size.
  forge.py rebuild DB OUT --extra PUB [--pad N] [--vault-id HEX]
      Writes OUT: a copy of DB (same schema, triggers kept) whose log is
      replaced by a self-consistent forgery: a genesis naming an attacker's
      fresh admin key under the real admin's name and roles, the real
      enrollments that follow genesis up to the first non-authority entry
      (the same payloads: real keys, names and roles), re-signed by the
      attacker, then an enrollment of PUB as custodian and N testimonies
      sealed by the attacker admin; tree rows and one checkpoint per entry,
      as an honest append writes them.  Same vault id unless --vault-id.
  forge.py append-stale DB --auth-seq A
      Appends, with plain INSERTs (no trigger dropped), one testimony signed
      by a fresh random key, chained to the tip (correct prev), with
      auth_seq A, wrapped to the custodians of the membership at A; its
      chunk, its tree nodes (from the recomputed tree) and a checkpoint
      signed by the same fresh key.  Prints the new entry's seq.
  forge.py wrapped-to DB PUB --after SEQ
      Prints how many entries after SEQ are wrapped to PUB's X25519 key.
  forge.py insider DB --as ID.id [--passphrase-env VAR] MODE ARGS...
      A member who holds ID.id (opened with the passphrase in $VAR, by
      default AMANAT_PASSPHRASE) appends, with plain INSERTs (no trigger
      dropped), one public entry of their own making signed by their key:
      chained to the tip with the right auth_seq, its tree nodes and a
      checkpoint signed by the same key, as an honest append writes them.
      Prints its seq.  MODE (docs/FORMAT.md §24):
        rotate OLD.pub NEW.pub --binder B.id [--roles N]
            a rotate entry whose binding is signed by B.id (the old key's
            file for a valid binding), moving roles N (default: OLD's).
        rewrap TO.pub T:VIA[,T:VIA...]
            a rewrap entry wrapping fresh random keys to TO.pub for entries
            T, each saying its key came from entry VIA.
        revoke PUB --since S
            a revoke entry whose record says compromised since entry S.
        reimport SEQ [--flags F]
            import entry SEQ again (§25.3): the same original, field
            checkpoint, proof, body fields, refs and stored body (wraps,
            metadata, chunks), signed by ID: a second import of one field
            entry, branching from the import SEQ follows.  Its header flags
            are F (default: the original's bit 1, as an honest import's),
            even flags the parser refuses.
  forge.py bundle-drop BAG SEQ --identity ID.id --passphrase-env VAR
      Deletes amanat/entries/SEQ.tlog-proof from the bag directory BAG,
      rewrites tagmanifest-sha256.txt without it and signs the tag manifest
      again (minisign ED) with the exporter's key, opened with the
      passphrase in $VAR.  Without --identity, only the manifest is rehashed.
  forge.py bundle-edit BAG PATH (--from FILE | --delete) --identity ID.id
           --passphrase-env VAR
      Replaces the tag file PATH of the bag directory BAG with the bytes of
      FILE (or deletes it), rewrites its line of tagmanifest-sha256.txt (or
      drops it) and signs the tag manifest again as bundle-drop does, so
      that only PATH differs from what the exporter signed.
"""

import base64
import hashlib
import os
import shutil
import sqlite3
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import amverify as av  # noqa: E402

import nacl.bindings  # noqa: E402
import nacl.public  # noqa: E402
import nacl.signing  # noqa: E402

H = av.H
u32, u64 = av.u32, av.u64


# ---------------------------------------------------------------- encoding

def encode_header(typ, vault_id, seq, prev, auth_seq, signer, payload=b"", refs=(),
                  uid=bytes(16), size=0, chunk_size=0, chunk_count=0, ct_size=0,
                  ct_hash=bytes(32), wraps_size=0, wraps_hash=bytes(32), meta_size=0,
                  meta_hash=bytes(32), fields_root=bytes(32), sealed_at_ms=1700000000000,
                  flags=0, check=True):
    """FORMAT.md §5, the inverse of amverify.Header.parse (which, unless
    check is False, accepts it)."""
    b = (b"AMNE" + struct.pack(">HBB", 1, typ, flags) + vault_id + u64(seq) + prev + u64(auth_seq)
         + struct.pack(">q", sealed_at_ms) + signer + uid + u64(size) + u32(chunk_size)
         + u64(chunk_count) + u64(ct_size) + ct_hash + u32(wraps_size) + wraps_hash
         + u32(meta_size) + meta_hash + fields_root + u32(len(refs)))
    assert len(b) == av.FIXED
    b += b"".join(u64(r) for r in refs) + u32(len(payload)) + payload
    if check:
        av.Header.parse(b)  # every forgery is a header the parser accepts
    return b


def identity_record(sign_pk, box_pk, roles, name):
    return sign_pk + box_pk + bytes([roles, len(name)]) + name


def read_pub(path):
    """FORMAT.md §18 .pub: (name, sign_pk, box_pk)."""
    parts = open(path).read().strip().split(" ")
    if len(parts) != 4 or parts[0] != "amanat-pub-v1":
        raise SystemExit("forge: %s is not an amanat .pub file" % path)
    return parts[1].encode(), base64.b64decode(parts[2]), base64.b64decode(parts[3])


def aead(key, nonce, ad, m):
    return nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(m, ad, nonce, key)


def fields_block(fields):
    fields = sorted(fields)
    return u32(len(fields)) + b"".join(s + u32(len(n)) + n + u32(len(v)) + v for n, v, s in fields)


def sealed_entry(sk, vault_id, seq, prev, auth_seq, custodians, content, case=b"C-FORGED"):
    """A testimony (§11-§14) sealed to custodians (X25519 keys), signed by sk.
    Returns (header, sig, wraps, meta, [chunk])."""
    uid, K = os.urandom(16), os.urandom(32)
    Kc, Km = av.kdf(K, 1, b"amnchunk"), av.kdf(K, 2, b"amnmeta_")
    ct = aead(Kc, bytes(15) + u64(0) + b"\x01", av.DOM_CHUNK + vault_id + uid, b"\x00" + content)
    fields = [(b"case", case, os.urandom(32)),
              (b"consent.scopes", b"internal,court", os.urandom(32)),
              (b"sha256", H(content).hex().encode(), os.urandom(32)),
              (b"size", str(len(content)).encode(), os.urandom(32))]
    meta = aead(Km, bytes(24), av.DOM_META + vault_id + uid, fields_block(fields))
    keys = sorted(custodians)
    wraps = u32(len(keys)) + b"".join(pk + nacl.bindings.crypto_box_seal(K, pk) for pk in keys)
    hdr = encode_header(av.TESTIMONY, vault_id, seq, prev, auth_seq, bytes(sk.verify_key),
                        uid=uid, size=len(content), chunk_size=1 << 20, chunk_count=1,
                        ct_size=len(ct), ct_hash=av.content_hash([ct]), wraps_size=len(wraps),
                        wraps_hash=H(wraps), meta_size=len(meta), meta_hash=H(meta),
                        fields_root=av.fields_root(sorted(fields)),
                        sealed_at_ms=1700000000000 + 1000 * seq)
    return hdr, sign(sk, hdr), wraps, meta, [ct]


def sign(sk, hdr):
    return sk.sign(av.DOM_SIG + hdr).signature


def checkpoint_note(sk, vault_id, size, root):
    """FORMAT.md §16: a checkpoint signed by sk under the vault's origin."""
    origin = "amanat/" + vault_id.hex()
    text = ("%s\n%d\n%s\n" % (origin, size, base64.b64encode(root).decode())).encode()
    kid = av.key_id(origin, av.TYPE_ED25519, bytes(sk.verify_key))
    sig = sk.sign(text).signature
    return (text + b"\n\xe2\x80\x94 " + origin.encode() + b" "
            + base64.b64encode(kid + sig) + b"\n").decode()


# ---------------------------------------------------------------- the database

def connect(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA recursive_triggers = ON")
    return db


def drop_triggers(db):
    saved = [sql for (sql,) in db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'")]
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        db.execute('DROP TRIGGER "%s"' % name)
    return saved


def entry_hashes(db):
    """The entry hashes recomputed from the stored header and signature bytes."""
    return [H(bytes(h) + bytes(s)) for h, s in db.execute("SELECT header, sig FROM entries ORDER BY seq")]


def perfect_nodes(leaves):
    """{(level, idx): hash} of every perfect subtree over the leaf hashes (§15)."""
    nodes = {}
    for i, leaf in enumerate(leaves):
        nodes[(0, i)] = leaf
        j, lv = i, 0
        while j & 1:
            j, lv = j >> 1, lv + 1
            nodes[(lv, j)] = av.node_hash(nodes[(lv - 1, 2 * j)], nodes[(lv - 1, 2 * j + 1)])
    return nodes


def new_nodes(nodes, n):
    """The nodes an append of leaf n-1 completes (what an honest writer stores)."""
    i, lv, out = n - 1, 0, []
    while True:
        out.append((lv, i, nodes[(lv, i)]))
        if not i & 1:
            return out
        i, lv = i >> 1, lv + 1


def append(db, n, hdr, sig, wraps, meta, chunks, cp_sk, vault_id, leaves):
    """One honest-looking append at seq n: chunks, entry, tree nodes, checkpoint."""
    for idx, c in enumerate(chunks):
        db.execute("INSERT INTO chunks(seq, idx, data) VALUES(?,?,?)", (n, idx, c))
    ehash = H(hdr + sig)
    db.execute("INSERT INTO entries(seq, type, header, sig, hash, wraps, meta) VALUES(?,?,?,?,?,?,?)",
               (n, hdr[6], hdr, sig, ehash, wraps, meta))
    leaves.append(av.leaf_hash(ehash))
    nodes = perfect_nodes(leaves)
    low = av.tree_low(db)
    for lv, idx, h in new_nodes(nodes, n + 1):
        if lv >= low:
            db.execute("INSERT INTO tree(level, idx, hash) VALUES(?,?,?)", (lv, idx, h))
    root = av.root_from_perfect(nodes, n + 1)
    db.execute("INSERT INTO checkpoints(size, root, signer, note) VALUES(?,?,?,?)",
               (n + 1, root, bytes(cp_sk.verify_key), checkpoint_note(cp_sk, vault_id, n + 1, root)))
    return ehash


def membership_at(db, a):
    """The membership after authority entry a, replayed along the auth_seq links (§10)."""
    path = []
    while True:
        hdr = bytes(db.execute("SELECT header FROM entries WHERE seq = ?", (a,)).fetchone()[0])
        h = av.Header.parse(hdr)
        path.append(h)
        if a == 0:
            break
        a = h.auth_seq
    m = av.Membership()
    # the attacker's own replay: a forged genesis keeps the victim's id, which
    # is exactly what an honest verifier refuses (FORMAT.md §3), so skip that
    derive, av.genesis_vault_id = av.genesis_vault_id, lambda raw: raw[8:24]
    try:
        for h in reversed(path):
            m.apply(h)
    finally:
        av.genesis_vault_id = derive
    return m


# ---------------------------------------------------------------- commands

def cmd_plant_tree(db_path):
    db = connect(db_path)
    drop_triggers(db)
    n = db.execute("SELECT count(*) FROM entries").fetchone()[0]
    vid = av.Header.parse(bytes(db.execute("SELECT header FROM entries WHERE seq = 0").fetchone()[0])).vault_id
    # keep the real leaves but the last, which becomes a leaf of the
    # attacker's choosing: the stored tree now hides the real last entry
    real = [av.leaf_hash(h) for h in entry_hashes(db)]
    leaves = real[:-1] + [av.leaf_hash(H(b"fabricated entry"))]
    nodes = perfect_nodes(leaves)
    root = av.root_from_perfect(nodes, n)
    low = av.tree_low(db)
    db.execute("BEGIN")
    db.execute("DELETE FROM tree")
    for (lv, idx), h in sorted(nodes.items()):
        if lv >= low:
            db.execute("INSERT INTO tree(level, idx, hash) VALUES(?,?,?)", (lv, idx, h))
    if low > 0:
        # the nodes below low are hashed from the entries' hash column (§15)
        db.execute("UPDATE entries SET hash = ? WHERE seq = ?", (H(b"fabricated entry"), n - 1))
    junk = nacl.signing.SigningKey.generate()
    origin = "amanat/" + vid.hex()
    note = ("%s\n%d\n%s\n\n\u2014 %s %s\n" % (origin, n, base64.b64encode(root).decode(), origin,
                                              base64.b64encode(os.urandom(68)).decode()))
    db.execute("INSERT INTO checkpoints(size, root, signer, note) VALUES(?,?,?,?)",
               (n, root, bytes(junk.verify_key), note))
    db.execute("COMMIT")
    print(root.hex())


def cmd_bad_checkpoints(db_path, pub):
    _, sign_pk, _ = read_pub(pub)
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    leaves = [av.leaf_hash(h) for h in entry_hashes(db)]
    nodes = perfect_nodes(leaves)
    bad = 0
    for size, note in db.execute("SELECT size, note FROM checkpoints"):
        try:
            cp = av.Note.parse(note if isinstance(note, (bytes, str)) else b"")
            key = av.VerifierKey(cp.origin, av.TYPE_ED25519, sign_pk)
            if not cp.valid_signatures([key])[key]:
                continue
        except av.Fail:
            continue
        if cp.size > len(leaves) or cp.root != av.root_from_perfect(nodes, cp.size):
            bad += 1
    print(bad)


def cmd_rebuild(src, out, extra_pub, pad, vault_id_hex):
    shutil.copyfile(src, out)
    db = connect(out)
    rows = [(seq, bytes(h)) for seq, h in db.execute("SELECT seq, header FROM entries ORDER BY seq")]
    real_gen = av.Header.parse(rows[0][1])
    vid = bytes.fromhex(vault_id_hex) if vault_id_hex else real_gen.vault_id
    _, _, roles, name = av.parse_identity_record(real_gen.payload)
    enrolls = []
    for seq, hdr in rows[1:]:
        h = av.Header.parse(hdr)
        if h.type not in (av.ENROLL, av.REVOKE):
            break
        enrolls.append(h)
    triggers = drop_triggers(db)
    db.execute("BEGIN")
    for t in ("entries", "chunks", "tree", "checkpoints"):
        db.execute("DELETE FROM " + t)
    adm = nacl.signing.SigningKey.generate()
    adm_box = bytes(nacl.public.PrivateKey.generate().public_key)
    leaves, prev, n = [], bytes(32), 0

    def put_public(typ, payload, auth_seq):
        nonlocal prev, n
        hdr = encode_header(typ, vid, n, prev, auth_seq, bytes(adm.verify_key), payload,
                            sealed_at_ms=1700000000000 + 1000 * n)
        prev = append(db, n, hdr, sign(adm, hdr), b"", b"", [], adm, vid, leaves)
        n += 1

    put_public(av.GENESIS, identity_record(bytes(adm.verify_key), adm_box, roles, name.encode()), 0)
    for h in enrolls:
        put_public(h.type, h.payload, n - 1)
    xname, xsign, xbox = read_pub(extra_pub)
    put_public(av.ENROLL, identity_record(xsign, xbox, av.CUSTODIAN, xname), n - 1)
    last_auth = n - 1
    for _ in range(pad):
        custodians = membership_at(db, last_auth).custodian_keys()
        e = sealed_entry(adm, vid, n, prev, last_auth, custodians,
                         b"A fabricated account (fictional), forged for the tests.\n")
        prev = append(db, n, *e, adm, vid, leaves)
        n += 1
    for sql in triggers:
        db.execute(sql)
    db.execute("COMMIT")
    db.close()


def cmd_append_stale(db_path, auth_seq):
    db = connect(db_path)  # triggers stay: these are the inserts an honest append makes
    rows = [bytes(h) for (h,) in db.execute("SELECT header FROM entries ORDER BY seq")]
    vid = av.Header.parse(rows[0]).vault_id
    hashes = entry_hashes(db)
    n = len(rows)
    custodians = membership_at(db, auth_seq).custodian_keys()
    sk = nacl.signing.SigningKey.generate()
    e = sealed_entry(sk, vid, n, hashes[-1], auth_seq, custodians,
                     b"A stale entry (fictional), forged for the tests.\n")
    db.execute("BEGIN")
    append(db, n, *e, sk, vid, [av.leaf_hash(h) for h in hashes])
    db.execute("COMMIT")
    print(n)


def cmd_wrapped_to(db_path, pub, after):
    _, _, box_pk = read_pub(pub)
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    count = 0
    for (hdr, wraps) in db.execute("SELECT header, wraps FROM entries WHERE seq > ? ORDER BY seq",
                                   (after,)):
        wraps = bytes(wraps)
        flags = av.wraps_flags(av.Header.parse(bytes(hdr)))
        if len(wraps) >= 4 and any(pk == box_pk for pk, _ in av.parse_wraps(wraps, flags)):
            count += 1
    print(count)


def open_id(path, pass_env):
    """(sign_pk, SigningKey, box_pk) of an amanat .id file."""
    _, sign_pk, box_pk, seed, _ = av.open_keyfile(path, os.environ.get(pass_env, "").encode())
    return sign_pk, nacl.signing.SigningKey(seed), box_pk


def cmd_insider(db_path, ident, pass_env, mode, args, binder, roles, flags=None):
    db = connect(db_path)  # triggers stay: these are the inserts an honest append makes
    rows = [av.Header.parse(bytes(h)) for (h,) in db.execute("SELECT header FROM entries ORDER BY seq")]
    vid, n = rows[0].vault_id, len(rows)
    last_auth = max(h.seq for h in rows if h.type in av.PUBLIC_TYPES)
    hashes = entry_hashes(db)
    _, sk, _ = open_id(ident, pass_env)
    if mode == "rotate":
        _, old_pk, _ = read_pub(args[0])
        nname, nsign, nbox = read_pub(args[1])
        if roles is None:
            roles = membership_at(db, last_auth).roles(old_pk)
        rec = identity_record(nsign, nbox, roles, nname)
        _, bsk, _ = open_id(binder, pass_env)
        binding = bsk.sign(av.DOM_ROTATE + vid + old_pk + rec).signature
        typ, payload = av.ROTATE, old_pk + rec + binding
    elif mode == "rewrap":
        _, _, to = read_pub(args[0])
        items = [tuple(int(x) for x in it.split(":")) for it in args[1].split(",")]
        payload = to + u32(len(items)) + b"".join(
            u64(t) + u64(via) + nacl.bindings.crypto_box_seal(os.urandom(32), to) for t, via in items)
        typ = av.REWRAP
    elif mode == "revoke":
        _, pk, _ = read_pub(args[0])
        since = int(args[1])
        typ, payload = av.REVOKE, pk + struct.pack(">BBQqH", 1, 1, since, 0, 0)
    elif mode == "reimport":
        src = int(args[0])
        o = rows[src]
        wraps, meta = db.execute("SELECT wraps, meta FROM entries WHERE seq = ?", (src,)).fetchone()
        chunks = [bytes(c) for (c,) in db.execute(
            "SELECT data FROM chunks WHERE seq = ? ORDER BY idx", (src,))]
        hdr = encode_header(o.type, vid, n, hashes[-1], last_auth, bytes(sk.verify_key), o.payload,
                            refs=o.refs, uid=o.uid, size=o.size, chunk_size=o.chunk_size,
                            chunk_count=o.chunk_count, ct_size=o.ct_size, ct_hash=o.ct_hash,
                            wraps_size=o.wraps_size, wraps_hash=o.wraps_hash,
                            meta_size=o.meta_size, meta_hash=o.meta_hash,
                            fields_root=o.fields_root, sealed_at_ms=1700000000000 + 1000 * n,
                            flags=o.flags & av.CHUNK_HASHED if flags is None else flags,
                            check=flags is None)
        db.execute("BEGIN")
        append(db, n, hdr, sign(sk, hdr), bytes(wraps or b""), bytes(meta or b""), chunks, sk,
               vid, [av.leaf_hash(h) for h in hashes])
        db.execute("COMMIT")
        print(n)
        return
    else:
        raise SystemExit("forge: unknown insider mode %s" % mode)
    hdr = encode_header(typ, vid, n, hashes[-1], last_auth, bytes(sk.verify_key), payload,
                        sealed_at_ms=1700000000000 + 1000 * n)
    db.execute("BEGIN")
    append(db, n, hdr, sign(sk, hdr), b"", b"", [], sk, vid, [av.leaf_hash(h) for h in hashes])
    db.execute("COMMIT")
    print(n)


def retag(bag, path, digest):
    """Give the tag file path the sha-256 digest in the tag manifest, or drop
    its line (digest None); returns the manifest's new bytes."""
    tm = os.path.join(bag, "tagmanifest-sha256.txt")
    lines = open(tm, "rb").read().split(b"\n")
    name = path.encode()
    hits = [i for i, ln in enumerate(lines) if ln.endswith(b"  " + name)]
    if len(hits) != 1:
        raise SystemExit("forge: %s is not listed once in the tag manifest" % path)
    if digest is None:
        del lines[hits[0]]
    else:
        lines[hits[0]] = digest.encode() + b"  " + name
    tagmanifest = b"\n".join(lines)
    open(tm, "wb").write(tagmanifest)
    return tagmanifest


def resign(bag, tagmanifest, identity, pass_env):
    """Sign the tag manifest again (minisign ED) with the exporter's key."""
    tm = os.path.join(bag, "tagmanifest-sha256.txt")
    pw = os.environ.get(pass_env, "").encode()
    _, sign_pk, _, seed, _ = av.open_keyfile(identity, pw)
    sk = nacl.signing.SigningKey(seed)
    sigpath = tm + ".minisig"
    untrusted, old, trusted, _ = open(sigpath).read().split("\n")[:4]
    raw = base64.b64decode(old)
    if raw[:2] != b"ED" or raw[2:10] != H(sign_pk)[:8]:
        raise SystemExit("forge: the bundle was not signed by %s" % identity)
    sig = sk.sign(hashlib.blake2b(tagmanifest, digest_size=64).digest()).signature
    comment = trusted[len("trusted comment: "):].encode()
    gsig = sk.sign(sig + comment).signature
    open(sigpath, "w").write("%s\n%s\n%s\n%s\n" % (untrusted, base64.b64encode(raw[:10] + sig).decode(),
                                                  trusted, base64.b64encode(gsig).decode()))


def cmd_bundle_drop(bag, seq, identity, pass_env):
    gone = "amanat/entries/%d.tlog-proof" % seq
    os.unlink(os.path.join(bag, gone))
    tagmanifest = retag(bag, gone, None)
    if identity is not None:
        resign(bag, tagmanifest, identity, pass_env)


def cmd_bundle_edit(bag, path, src, identity, pass_env):
    target = os.path.join(bag, path)
    if src is None:
        os.unlink(target)
        digest = None
    else:
        data = open(src, "rb").read()
        open(target, "wb").write(data)
        digest = hashlib.sha256(data).hexdigest()
    resign(bag, retag(bag, path, digest), identity, pass_env)


def main(argv):
    def opt(name, default=None):
        if name in argv:
            i = argv.index(name)
            v = argv[i + 1]
            del argv[i:i + 2]
            return v
        return default

    if not argv:
        raise SystemExit(__doc__)
    cmd = argv.pop(0)
    if cmd == "plant-tree":
        cmd_plant_tree(argv[0])
    elif cmd == "bad-checkpoints":
        cmd_bad_checkpoints(argv[0], argv[1])
    elif cmd == "rebuild":
        extra, pad, vid = opt("--extra"), int(opt("--pad", "0")), opt("--vault-id")
        cmd_rebuild(argv[0], argv[1], extra, pad, vid)
    elif cmd == "append-stale":
        a = int(opt("--auth-seq"))
        cmd_append_stale(argv[0], a)
    elif cmd == "wrapped-to":
        after = int(opt("--after", "-1"))
        cmd_wrapped_to(argv[0], argv[1], after)
    elif cmd == "insider":
        ident, env = opt("--as"), opt("--passphrase-env", "AMANAT_PASSPHRASE")
        binder, roles, flags = opt("--binder"), opt("--roles"), opt("--flags")
        mode = argv[1]
        if mode == "revoke":
            since = opt("--since")
            argv.append(since)
        cmd_insider(argv[0], ident, env, mode, argv[2:], binder,
                    int(roles) if roles is not None else None,
                    int(flags) if flags is not None else None)
    elif cmd == "bundle-drop":
        ident, env = opt("--identity"), opt("--passphrase-env", "AMANAT_PASSPHRASE")
        cmd_bundle_drop(argv[0], int(argv[1]), ident, env)
    elif cmd == "bundle-edit":
        src, delete = opt("--from"), "--delete" in argv
        ident, env = opt("--identity"), opt("--passphrase-env", "AMANAT_PASSPHRASE")
        if delete:
            argv.remove("--delete")
        if (src is None) == (not delete) or ident is None:
            raise SystemExit("forge: bundle-edit needs --from FILE or --delete, and --identity")
        cmd_bundle_edit(argv[0], argv[1], src, ident, env)
    else:
        raise SystemExit("forge: unknown command %s\n%s" % (cmd, __doc__))


if __name__ == "__main__":
    main(sys.argv[1:])
