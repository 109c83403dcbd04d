#!/usr/bin/env python3
"""pack.py DIR > FILE: a bundle directory as fuzz_bundle_dir reads it
(records of path, NUL, 4-byte big-endian length, bytes), files in name order."""
import os
import struct
import sys

root = sys.argv[1]
out = sys.stdout.buffer
for base, dirs, files in sorted(os.walk(root)):
    dirs.sort()
    for f in sorted(files):
        p = os.path.join(base, f)
        with open(p, "rb") as fh:
            data = fh.read()
        out.write(os.path.relpath(p, root).encode() + b"\0" + struct.pack(">I", len(data)) + data)
