#!/usr/bin/python3
"""validate_bag.py — check a BagIt bag (RFC 8493) given as a directory or a ZIP.

Written from RFC 8493 alone, with the Python standard library only, so that
what it accepts does not depend on amanat or on a third-party BagIt library.

    /usr/bin/python3 validate_bag.py [--strict] [--quiet] BAG_DIR|BAG.zip

It checks (section numbers are RFC 8493's):

  2.1.1  bagit.txt: exactly two lines, "BagIt-Version: M.N" (1.0) and
         "Tag-File-Character-Encoding: ENCODING", UTF-8 without a BOM;
  2.1.2  the payload directory data/ exists;
  2.1.3  at least one payload manifest manifest-<alg>.txt; in every one, each
         line is "<checksum> <path>", the path relative, '/'-separated, under
         data/, with no '.', '..' or empty component and no backslash, listed
         once; every listed file exists and its checksum matches; every payload
         file is listed in every payload manifest (3: complete and valid);
  2.2.1  every tag manifest tagmanifest-<alg>.txt: the same line rules, paths
         outside data/, every listed file existing with a matching checksum;
  2.2.2  bag-info.txt, if present: "Label: value" lines (continuations start
         with whitespace); Payload-Oxum, if present, is
         "<octet count>.<stream count>" of the payload;
  2.2.3  fetch.txt, if present: each listed file must be present (a bag is
         only complete once fetched);
  4.2    a ZIP: no encrypted entries, names relative with '/', no '..', no
         duplicates, no symbolic links.  RFC 8493 asks that a serialization
         deserialize to a single base directory; a ZIP holding bagit.txt at its
         root instead draws a warning (an error with --strict).

It prints one line per problem and exits 0 when there is none, 1 when there is
any, 2 when the arguments are wrong or BAG is neither a directory nor a ZIP.
"""

import hashlib
import os
import re
import stat
import sys
import zipfile

ALGORITHMS = {
    "md5": 32, "sha1": 40, "sha224": 56, "sha256": 64, "sha384": 96, "sha512": 128,
}
PAYLOAD_MANIFEST = re.compile(r"^manifest-([a-z0-9]+)\.txt$")
TAG_MANIFEST = re.compile(r"^tagmanifest-([a-z0-9]+)\.txt$")
CHUNK = 1 << 20


class Problems:
    def __init__(self, quiet):
        self.items = []
        self.warnings = []
        self.quiet = quiet

    def add(self, where, what):
        self.items.append(f"{where}: {what}" if where else what)

    def warn(self, where, what):
        self.warnings.append(f"{where}: {what}" if where else what)


# ---- where the bag's files come from -------------------------------------

class DirSource:
    """A bag on disk, rooted at a directory."""

    def __init__(self, root, problems):
        self.root = root
        self.files = {}  # relative path -> size
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            rel_dir = os.path.relpath(dirpath, root)
            rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
            for name in list(dirnames):
                if os.path.islink(os.path.join(dirpath, name)):
                    problems.add(rel_dir + name, "is a symbolic link (not allowed in a bag)")
                    dirnames.remove(name)
            for name in filenames:
                full = os.path.join(dirpath, name)
                st = os.lstat(full)
                if stat.S_ISLNK(st.st_mode):
                    problems.add(rel_dir + name, "is a symbolic link (not allowed in a bag)")
                    continue
                if not stat.S_ISREG(st.st_mode):
                    problems.add(rel_dir + name, "is not a regular file")
                    continue
                self.files[rel_dir + name] = st.st_size
        self.dirs = set()
        for p in self.files:
            parts = p.split("/")
            for i in range(1, len(parts)):
                self.dirs.add("/".join(parts[:i]))
        for dirpath, dirnames, _ in os.walk(root, followlinks=False):
            rel_dir = os.path.relpath(dirpath, root)
            if rel_dir != ".":
                self.dirs.add(rel_dir.replace(os.sep, "/"))

    def open(self, rel):
        return open(os.path.join(self.root, *rel.split("/")), "rb")


class ZipSource:
    """A bag serialized as a ZIP: at the archive's root or in one base directory."""

    def __init__(self, path, problems, strict):
        self.zf = zipfile.ZipFile(path)
        self.files = {}
        self.members = {}
        self.dirs = set()
        names = []
        seen = set()
        for info in self.zf.infolist():
            name = info.filename
            where = f"zip entry '{name}'"
            if name in seen:
                problems.add(where, "appears more than once in the ZIP")
                continue
            seen.add(name)
            if info.flag_bits & 0x1:
                problems.add(where, "is encrypted")
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
                problems.add(where, "is an absolute path")
                continue
            if "\\" in name:
                problems.add(where, "uses '\\' (ZIP names are '/'-separated)")
                continue
            comps = name.rstrip("/").split("/")
            if any(c in ("..", ".", "") for c in comps):
                problems.add(where, "has an empty, '.' or '..' component")
                continue
            mode = (info.external_attr >> 16) & 0xFFFF
            if info.create_system == 3 and stat.S_ISLNK(mode):
                problems.add(where, "is a symbolic link (not allowed in a bag)")
                continue
            if name.endswith("/"):
                self.dirs.add(name.rstrip("/"))
                continue
            names.append((name, info))
        # the bag's base directory inside the archive
        self.prefix = ""
        roots = {n.split("/", 1)[0] for n, _ in names} | {d.split("/", 1)[0] for d in self.dirs}
        if any(n == "bagit.txt" for n, _ in names):
            msg = ("bagit.txt is at the root of the ZIP: RFC 8493 section 4.2 asks that a "
                   "serialization deserialize to a single base directory holding the bag")
            if strict:
                problems.add(os.path.basename(path), msg)
            else:
                problems.warn(os.path.basename(path), msg)
        elif len(roots) == 1 and any(n == f"{next(iter(roots))}/bagit.txt" for n, _ in names):
            self.prefix = next(iter(roots)) + "/"
        elif len(roots) > 1:
            problems.add(os.path.basename(path),
                         "the ZIP does not hold exactly one bag in one base directory")
        for name, info in names:
            if not name.startswith(self.prefix):
                continue
            rel = name[len(self.prefix):]
            self.files[rel] = info.file_size
            self.members[rel] = info
            parts = rel.split("/")
            for i in range(1, len(parts)):
                self.dirs.add("/".join(parts[:i]))
        self.dirs = {d[len(self.prefix):] if d.startswith(self.prefix) else d
                     for d in self.dirs if d + "/" != self.prefix}

    def open(self, rel):
        return self.zf.open(self.members[rel])


# ---- helpers ----------------------------------------------------------------

def digests(src, rel, algs):
    hs = {a: hashlib.new(a) for a in algs}
    with src.open(rel) as f:
        while True:
            b = f.read(CHUNK)
            if not b:
                break
            for h in hs.values():
                h.update(b)
    return {a: h.hexdigest() for a, h in hs.items()}


def read_text(src, rel, encoding, problems):
    with src.open(rel) as f:
        raw = f.read()
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        problems.add(rel, f"cannot be decoded as {encoding}: {exc}")
        return None
    if text.startswith("\ufeff"):
        problems.add(rel, "starts with a byte-order mark")
        text = text[1:]
    return text


def split_lines(text):
    """Lines ended by LF, CR LF or CR (RFC 8493 section 1.3); no final empty line."""
    lines = re.split(r"\r\n|\n|\r", text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def decode_path(p):
    """Undo the percent-encoding of CR, LF and '%' in manifest paths (section 2.1.3)."""
    return re.sub(r"%(0[aA]|0[dD]|25)", lambda m: chr(int(m.group(1), 16)), p)


def check_path(path, payload, where, problems):
    if path == "":
        problems.add(where, "empty path")
        return False
    if path.startswith("/") or path.startswith("~") or re.match(r"^[A-Za-z]:", path):
        problems.add(where, f"path '{path}' is not relative to the bag")
        return False
    if "\\" in path:
        problems.add(where, f"path '{path}' uses '\\' (paths are '/'-separated)")
        return False
    comps = path.split("/")
    if ".." in comps:
        problems.add(where, f"path '{path}' has a '..' component")
        return False
    if "." in comps or "" in comps:
        problems.add(where, f"path '{path}' has an empty or '.' component")
        return False
    if payload and comps[0] != "data":
        problems.add(where, f"path '{path}' in a payload manifest is not under data/")
        return False
    if not payload and comps[0] == "data":
        problems.add(where, f"path '{path}' in a tag manifest is a payload file")
        return False
    return True


def parse_manifest(src, name, alg, encoding, payload, problems):
    """{path: checksum} of manifest `name`, problems recorded on the way."""
    entries = {}
    text = read_text(src, name, encoding, problems)
    if text is None:
        return entries
    want = ALGORITHMS[alg]
    for n, line in enumerate(split_lines(text), 1):
        where = f"{name} line {n}"
        m = re.match(r"^([0-9A-Fa-f]+)[ \t]+(.+)$", line)
        if not m:
            problems.add(where, f"is not '<checksum> <path>': {line!r}")
            continue
        checksum, path = m.group(1).lower(), decode_path(m.group(2))
        if len(checksum) != want:
            problems.add(where, f"a {alg} checksum has {want} hex digits, not {len(checksum)}")
            continue
        if not check_path(path, payload, where, problems):
            continue
        if path in entries:
            problems.add(where, f"'{path}' is listed more than once")
            continue
        entries[path] = checksum
    return entries


def check_bagit_txt(src, problems):
    if "bagit.txt" not in src.files:
        problems.add("bagit.txt", "missing: this is not a bag")
        return None
    with src.open("bagit.txt") as f:
        raw = f.read()
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.add("bagit.txt", "starts with a byte-order mark")
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        problems.add("bagit.txt", "is not UTF-8")
        return None
    lines = split_lines(text)
    if len(lines) != 2:
        problems.add("bagit.txt", f"has {len(lines)} lines, not exactly 2")
    version = lines[0] if lines else ""
    m = re.match(r"^BagIt-Version: ([0-9]+)\.([0-9]+)$", version)
    if not m:
        problems.add("bagit.txt", f"line 1 is not 'BagIt-Version: M.N': {version!r}")
    elif (m.group(1), m.group(2)) != ("1", "0"):
        problems.add("bagit.txt", f"BagIt-Version {m.group(1)}.{m.group(2)} is not 1.0 "
                     "(RFC 8493)")
    enc_line = lines[1] if len(lines) > 1 else ""
    m = re.match(r"^Tag-File-Character-Encoding: (\S+)$", enc_line)
    if not m:
        problems.add("bagit.txt", "line 2 is not 'Tag-File-Character-Encoding: ENCODING': "
                     f"{enc_line!r}")
        return "utf-8"
    encoding = m.group(1)
    try:
        "".encode(encoding)
    except LookupError:
        problems.add("bagit.txt", f"unknown Tag-File-Character-Encoding {encoding!r}")
        return "utf-8"
    return encoding


def check_bag_info(src, encoding, payload_files, problems):
    if "bag-info.txt" not in src.files:
        return
    text = read_text(src, "bag-info.txt", encoding, problems)
    if text is None:
        return
    fields = []
    for n, line in enumerate(split_lines(text), 1):
        if line[:1] in (" ", "\t"):
            if not fields:
                problems.add(f"bag-info.txt line {n}", "continuation line before any label")
            else:
                fields[-1][1] += " " + line.strip()
            continue
        m = re.match(r"^([^:\s][^:]*):[ \t]*(.*)$", line)
        if not m:
            problems.add(f"bag-info.txt line {n}", f"is not 'Label: value': {line!r}")
            continue
        fields.append([m.group(1).strip(), m.group(2)])
    oxums = [v.strip() for k, v in fields if k.lower() == "payload-oxum"]
    if len(set(oxums)) > 1:
        problems.add("bag-info.txt", f"Payload-Oxum is given more than once: {oxums}")
    if oxums:
        m = re.match(r"^([0-9]+)\.([0-9]+)$", oxums[0])
        if not m:
            problems.add("bag-info.txt", f"Payload-Oxum {oxums[0]!r} is not "
                         "'<octets>.<files>'")
        else:
            octets = sum(src.files[p] for p in payload_files)
            if (int(m.group(1)), int(m.group(2))) != (octets, len(payload_files)):
                problems.add("bag-info.txt", f"Payload-Oxum {oxums[0]} does not match the "
                             f"payload: {octets}.{len(payload_files)}")


def check_fetch(src, encoding, problems):
    if "fetch.txt" not in src.files:
        return
    text = read_text(src, "fetch.txt", encoding, problems)
    for n, line in enumerate(split_lines(text or ""), 1):
        m = re.match(r"^(\S+)[ \t]+(\S+)[ \t]+(.+)$", line)
        where = f"fetch.txt line {n}"
        if not m:
            problems.add(where, f"is not '<url> <length> <path>': {line!r}")
            continue
        path = decode_path(m.group(3))
        if check_path(path, True, where, problems) and path not in src.files:
            problems.add(where, f"'{path}' has not been fetched: the bag is incomplete")


def validate(src, problems):
    encoding = check_bagit_txt(src, problems)
    if encoding is None:
        return
    if "data" not in src.dirs:
        problems.add("data/", "the payload directory is missing")
    payload_files = sorted(p for p in src.files if p.startswith("data/"))

    payload_manifests, tag_manifests = [], []
    for name in sorted(src.files):
        if "/" in name:
            continue
        for pattern, into in ((PAYLOAD_MANIFEST, payload_manifests), (TAG_MANIFEST, tag_manifests)):
            m = pattern.match(name)
            if m:
                if m.group(1) not in ALGORITHMS:
                    problems.add(name, f"unsupported checksum algorithm '{m.group(1)}'")
                else:
                    into.append((name, m.group(1)))
    if not payload_manifests:
        problems.add("", "no payload manifest (manifest-<algorithm>.txt)")

    parsed = []
    for name, alg in payload_manifests:
        entries = parse_manifest(src, name, alg, encoding, True, problems)
        parsed.append((name, alg, entries))
        listed = set(entries)
        for p in payload_files:
            if p not in listed:
                problems.add(name, f"payload file '{p}' is not listed")
    for name, alg in tag_manifests:
        entries = parse_manifest(src, name, alg, encoding, False, problems)
        parsed.append((name, alg, entries))

    # every listed file exists; each file is read once for all its algorithms
    wanted = {}
    for name, alg, entries in parsed:
        for path, checksum in entries.items():
            if path not in src.files:
                problems.add(name, f"lists '{path}', which does not exist")
                continue
            wanted.setdefault(path, []).append((name, alg, checksum))
    for path in sorted(wanted):
        algs = sorted({alg for _, alg, _ in wanted[path]})
        got = digests(src, path, algs)
        for name, alg, checksum in wanted[path]:
            if got[alg] != checksum:
                problems.add(name, f"{alg} of '{path}' is {got[alg]}, not {checksum}")

    check_bag_info(src, encoding, payload_files, problems)
    check_fetch(src, encoding, problems)


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    flags = {a for a in argv[1:] if a.startswith("--")}
    unknown = flags - {"--strict", "--quiet", "--help"}
    if "--help" in flags:
        print(__doc__.strip())
        return 0
    if len(args) != 1 or unknown:
        print("usage: validate_bag.py [--strict] [--quiet] BAG_DIR|BAG.zip", file=sys.stderr)
        return 2
    path = args[0]
    problems = Problems("--quiet" in flags)
    try:
        if os.path.isdir(path):
            src = DirSource(path, problems)
        elif os.path.isfile(path) and zipfile.is_zipfile(path):
            src = ZipSource(path, problems, "--strict" in flags)
        else:
            print(f"validate_bag: {path} is neither a directory nor a ZIP file", file=sys.stderr)
            return 2
        validate(src, problems)
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError) as exc:
        problems.add(path, f"cannot be read: {exc}")
    for w in problems.warnings:
        print(f"validate_bag: {path}: warning: {w}", file=sys.stderr)
    for p in problems.items:
        print(f"validate_bag: {path}: {p}")
    if problems.items:
        print(f"validate_bag: {path}: INVALID ({len(problems.items)} problem"
              f"{'s' if len(problems.items) != 1 else ''})")
        return 1
    if not problems.quiet:
        print(f"validate_bag: {path}: valid BagIt bag")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
