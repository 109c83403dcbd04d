#!/usr/bin/env python3
"""on_tty.py STEPS CMD [ARG...] -- run CMD on a new pseudo-terminal, its
controlling terminal (so /dev/tty is it), and type into it as a person would.

STEPS is a file of lines:  "< TEXT" waits until the output so far holds TEXT
(after what earlier waits matched);  "> LINE" types LINE and Enter.  Nothing
is typed before the prompt it answers has shown.  Everything CMD wrote to the
terminal goes to stdout; the exit status is CMD's (124 if a wait times out,
with what was seen, or CMD took too long)."""
import os
import pty
import select
import sys
import time

TIMEOUT = float(os.environ.get("PTY_TIMEOUT", "120"))


def main():
    steps = [l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8")]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[2], sys.argv[2:])
    seen = b""
    pos = 0
    deadline = time.monotonic() + TIMEOUT

    def read_some():
        nonlocal seen
        r, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            return False
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not data:
            return False
        seen += data
        return True

    for step in steps:
        if step.startswith("< "):
            want = step[2:].encode()
            while seen.find(want, pos) < 0:
                if not read_some() or time.monotonic() > deadline:
                    sys.stdout.buffer.write(seen)
                    sys.stdout.write("\non_tty.py: timed out waiting for %r\n" % step[2:])
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                    return 124
            pos = seen.find(want, pos) + len(want)
        elif step.startswith("> "):
            os.write(fd, step[2:].encode() + b"\n")
    while read_some():
        pass
    _, status = os.waitpid(pid, 0)
    sys.stdout.buffer.write(seen)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


sys.exit(main())
