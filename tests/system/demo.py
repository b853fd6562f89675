#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The README's run command, checked: tools/run-demo BUILD in a pseudo
terminal, driven like a user would. dom0's shell comes up, its toolstack
has started `work` and `personal` from their profiles, a command typed
through `tandem console work` is answered by that VM, Ctrl-] comes back
to dom0, and `poweroff` stops the VMs and the machine.

Usage: demo.py BUILD [--log FILE] [--timeout S]
"""
import argparse
import os
import pty
import re
import select
import signal
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))

PROMPT = r"dom0:[^\n]*# $"
# What the user types, and what must appear after it: (keys, pattern).
STEPS = [
    (None, PROMPT),
    (b"for i in $(seq 120); do tandem list | grep -c ' running ' | grep -q 2"
     b" && break; sleep 2; done; tandem list; echo listed-$((40 + 2))\r",
     r"(?s)(?=.*^\S* ?work +\d+ running )(?=.*^\S* ?personal +\d+ running )"
     r".*listed-42"),
    (b"tandem console work\r", r"\[attached to work"),
    (b"\r", r"work:[^\n]*# $"),
    (b"echo from-$(hostname)-$((6 * 7))\r", r"from-work-42"),
    (b"\x1d", r"\[detached from work\]"),
    (b"\recho back-in-$(hostname)\r", r"back-in-dom0"),
    (b"poweroff\r", r"powering the machine off"),
]


class Demo:
    def __init__(self, build, log):
        self.log = log
        self.out = b""
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(ROOT)
            os.execvp("python3", ["python3", "tools/run-demo", build])

    def read(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        self.out += data
        self.log.write(data)
        self.log.flush()
        return True

    def expect(self, pattern, deadline, since):
        rx = re.compile(pattern.encode(), re.M)
        while time.time() < deadline:
            text = self.out[since:].replace(b"\r", b"")
            m = rx.search(text)
            if m:
                return True
            if not self.read(1):
                text = self.out[since:].replace(b"\r", b"")
                return bool(rx.search(text))
        return False

    def exited(self, timeout):
        end = time.time() + timeout
        while time.time() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return status
            self.read(0.5)
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--log", default="demo.log")
    ap.add_argument("--timeout", type=int, default=900)
    args = ap.parse_args()

    start = time.time()
    deadline = start + args.timeout
    with open(args.log, "wb") as log:
        demo = Demo(os.path.abspath(args.build), log)
        since = 0
        for keys, pattern in STEPS:
            if keys:
                since = len(demo.out)
                os.write(demo.fd, keys)
            if not demo.expect(pattern, deadline, since):
                tail = demo.out[-1500:].decode(errors="replace")
                print("FAIL demo: no /%s/ after typing %r (%.0fs; log %s)"
                      % (pattern, keys, time.time() - start, args.log))
                print("  last output:\n    " +
                      "\n    ".join(tail.replace("\r", "").splitlines()))
                os.kill(demo.pid, signal.SIGKILL)
                os.waitpid(demo.pid, 0)
                return 1
        status = demo.exited(60)
        if status is None:
            os.kill(demo.pid, signal.SIGKILL)
            os.waitpid(demo.pid, 0)
            print("FAIL demo: QEMU still running a minute after poweroff")
            return 1
    print("PASS demo (%.0fs, log %s): dom0 started work and personal, "
          "tandem console reached work, poweroff ended the machine"
          % (time.time() - start, args.log))
    return 0


if __name__ == "__main__":
    sys.exit(main())
