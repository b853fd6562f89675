#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boot the Tandem hypervisor with test guests under QEMU (TCG) and check
the verdicts the guests print (protocol: tests/guests/README.md).

    run.py --hv build/hypervisor/tandem-hv --guests build/tests/guests boot
    run.py --list
    run.py --xen /tmp/xen --guests build/tests/guests all   (dev check)

Exit status: 0 all scenarios passed, 1 a scenario failed, 77 QEMU missing.
"""

import argparse
import hashlib
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scenarios import SCENARIOS, Blob, Image  # noqa: E402

# A verdict starts its line, after the domain tags: a diagnostic ("# ...")
# that quotes one is not one.
VERDICT = re.compile(r"^(?:\(\S+\) )*TANDEM-TEST (\S+) (.*?)\s*$")
DOMAIN_PREFIX = re.compile(r"^\((\S+)\) ")
PANIC = re.compile(r"PANIC|Panic on CPU")
XEN_CMDLINE = ("console=com1 com1=115200 dom0_mem=64M,max:64M smap=0 "
               "dom0_max_vcpus=2 loglvl=all guest_loglvl=all")


class Suite:
    def __init__(self):
        self.cases = {}          # case -> (verdict, reason)
        self.order = []
        self.done = None         # (passed, failed, skipped)
        self.domain = None


class Results:
    def __init__(self):
        self.suites = {}
        self.extra = {}          # suite -> [words, ...] of other lines
        self.panic = None
        self.keys_left = 0       # key steps never typed (pattern not seen)
        self.hopeless = None     # the line that matched a fail_on pattern
        # (host time.time() when the line arrived, line) for every line,
        # and (host time, bytes) for every key step typed: checks that
        # time the guest against the host use them.
        self.lines = []
        self.typed = []

    def suite(self, name):
        return self.suites.setdefault(name, Suite())

    def feed(self, line, when=None):
        self.lines.append((time.time() if when is None else when, line))
        if self.panic is None and PANIC.search(line):
            self.panic = line.strip()
        m = VERDICT.search(line)
        if not m:
            return
        name, words = m.group(1), m.group(2).split()
        dom = DOMAIN_PREFIX.match(line)
        if not words:
            return
        if words[0] == "DONE":
            counts = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            s = self.suite(name)
            s.done = tuple(int(counts.get(k, "0"))
                           for k in ("passed", "failed", "skipped"))
            s.domain = dom.group(1) if dom else None
        elif len(words) >= 2 and words[1] in ("PASS", "FAIL", "SKIP"):
            s = self.suite(name)
            if words[0] not in s.cases:
                s.order.append(words[0])
            s.cases[words[0]] = (words[1], " ".join(words[2:]))
        else:
            self.extra.setdefault(name, []).append(words)


def module_string(path, mod):
    # An option set to True is a bare word ("initrd").
    opts = " ".join(k if v is True else "%s=%s" % (k, v)
                    for k, v in mod.options.items())
    s = path
    if opts:
        s += " " + opts + " --"
    if mod.cmdline:
        s += " " + mod.cmdline
    # QEMU separates modules with commas; a literal comma is doubled.
    return s.replace(",", ",,")


class MissingImage(Exception):
    pass


def module_path(args, scen, mod):
    """The file of a module: a test kernel, a guest image (images/), or a
    Blob written now."""
    if isinstance(mod.kernel, Image):
        path = os.path.join(args.images or "", mod.kernel.name)
        if not args.images or not os.path.exists(path):
            raise MissingImage("%s not found (run.py --images DIR; meson "
                               "builds it: ninja -C build images/%s)"
                               % (path, mod.kernel.name))
        return path
    if not isinstance(mod.kernel, Blob):
        return os.path.join(args.guests, mod.kernel)
    where = os.path.join(args.log_dir, scen.name + "-modules")
    os.makedirs(where, exist_ok=True)
    path = os.path.join(where, mod.kernel.name)
    with open(path, "wb") as f:
        f.write(mod.kernel.make(args.guests))
    return path


DISK_CHECKED = 8 << 20     # bytes of a Disk whose SHA-256 the guest gets


def make_disks(args, scen):
    """Write the scenario's disk images: (QEMU arguments, the command-line
    words naming their checksums)."""
    qemu, words = [], []
    for disk in scen.disks:
        path = os.path.join(args.log_dir, "%s-%s.img" % (scen.name,
                                                       disk.name))
        data = os.urandom(disk.mib << 20)
        with open(path, "wb") as f:
            f.write(data)
        digest = hashlib.sha256(data[:DISK_CHECKED]).hexdigest()
        words.append("tandem.%s=%s" % (disk.name, digest))
        qemu += [a.replace("{file}", path) for a in disk.qemu_args]
    return qemu, words


def qemu_command(args, scen, xen):
    mods = []
    disk_args, disk_words = make_disks(args, scen)
    if xen:
        # Real Xen: the test kernel itself is dom0, the only domain; a
        # generated module right after it is its initrd.
        at = [i for i, m in enumerate(scen.modules)
              if m.kernel != "idle.elf"][0]
        m = scen.modules[at]
        path = module_path(args, scen, m)
        cmd = ("dom0 " + m.cmdline).strip()
        mods.append((path + " " + cmd).replace(",", ",,"))
        nxt = scen.modules[at + 1:at + 2]
        if nxt and isinstance(nxt[0].kernel, Blob):
            mods.append(module_path(args, scen, nxt[0]).replace(",", ",,"))
        kernel, append = xen, XEN_CMDLINE
    else:
        for i, m in enumerate(scen.modules):
            s = module_string(module_path(args, scen, m), m)
            if i == 0 and disk_words:
                s += " " + " ".join(disk_words)
            mods.append(s)
        kernel, append = args.hv, scen.hv_cmdline
    smp = max(scen.qemu_smp, 2 if xen else 1)
    return [args.qemu, "-accel", "tcg", "-M", scen.qemu_machine,
            "-cpu", "max",
            "-m", str(scen.qemu_mem), "-smp", str(smp), "-nographic",
            "-monitor", "none", "-serial", "stdio", "-no-reboot",
            "-kernel", kernel, "-append", append,
            "-initrd", ",".join(mods)] + scen.qemu_args + disk_args


def reader(stream, q):
    # Each line is timestamped as it arrives, not when it is looked at.
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace").replace("\r", "")
        q.put((time.time(), line))
    q.put(None)


def finished(scen, res, log, keys_left):
    if keys_left:
        return False
    for name in scen.suites:
        s = res.suites.get(name)
        if s is None or s.done is None:
            return False
    return all(re.search(p, log, re.M) for p in scen.wait_for)


class Typist:
    """Types a scenario's keys on the serial line: each step's bytes go
    out once its pattern (or every one of its patterns, when it is a
    tuple) has appeared after the previous step's match."""

    def __init__(self, proc, keys, verbose, res):
        self.proc = proc
        self.steps = list(keys)
        self.pos = 0            # log offset where the next match may start
        self.verbose = verbose
        self.res = res

    def left(self):
        return len(self.steps)

    def feed(self, log):
        while self.steps:
            patterns, data = self.steps[0]
            if isinstance(patterns, str):
                patterns = (patterns,)
            ends = []
            for pattern in patterns:
                m = re.compile(pattern, re.M).search(log, self.pos)
                if not m:
                    return
                ends.append(m.end())
            self.steps.pop(0)
            self.pos = max(ends)
            if self.verbose:
                sys.stdout.write("[typing %r]\n" % data)
            try:
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError):
                self.steps = []
                return
            self.res.typed.append((time.time(), data))


def run_qemu(cmd, scen, log_path, verbose):
    res = Results()
    lines = []
    log_text = ""
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    typist = Typist(proc, scen.keys, verbose, res)
    q = queue.Queue()
    threading.Thread(target=reader, args=(proc.stdout, q),
                     daemon=True).start()
    start = time.monotonic()
    deadline = start + scen.timeout
    stop_at = None
    why = "timeout after %ds" % scen.timeout
    with open(log_path, "w") as log:
        while True:
            now = time.monotonic()
            if stop_at is not None and now >= stop_at:
                break
            if now >= deadline:
                break
            try:
                item = q.get(timeout=0.2)
            except queue.Empty:
                continue
            if item is None:
                why = "QEMU exited (status %s)" % proc.poll()
                break
            when, line = item
            log.write(line)
            log.flush()
            lines.append(line)
            log_text += line
            if verbose:
                sys.stdout.write(line)
            res.feed(line, when)
            typist.feed(log_text)
            hopeless = [p for p in scen.fail_on if re.search(p, line)]
            if hopeless and res.hopeless is None:
                res.hopeless = line.strip()
            if stop_at is None and res.panic is not None:
                why = "hypervisor panic"
                stop_at = time.monotonic() + 1.0
            elif stop_at is None and res.hopeless is not None:
                why = "a fail_on pattern appeared"
                stop_at = time.monotonic() + 1.0
            elif stop_at is None and finished(scen, res, log_text,
                                              typist.left()):
                why = "all suites done"
                # Give trailing messages (shutdowns, crashes) a moment.
                stop_at = time.monotonic() + 1.0
    try:
        proc.stdin.close()
    except OSError:
        pass
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if typist.left():
        res.keys_left = typist.left()
    return res, log_text, why, time.monotonic() - start


def evaluate(scen, res, log, allow_skip, xfail=()):
    errors = []
    if res.panic and not scen.expect_panic:
        errors.append("panic: %s" % res.panic)
    if scen.expect_panic and not res.panic:
        errors.append("the hypervisor did not panic")
    if res.hopeless:
        errors.append("stopped at: %s" % res.hopeless)
    if res.keys_left:
        errors.append("%d key step(s) never typed: their pattern never "
                      "appeared" % res.keys_left)
    for pattern in scen.wait_for:
        if not re.search(pattern, log, re.M):
            errors.append("never seen: %s" % pattern)
    for name in scen.suites:
        s = res.suites.get(name)
        if s is None:
            errors.append("suite %s printed nothing" % name)
            continue
        if s.done is None:
            errors.append("suite %s never printed DONE" % name)
        else:
            passed, failed, skipped = s.done
            counted = [v for v, _ in s.cases.values()]
            xfails = sum(1 for c, (v, _) in s.cases.items()
                         if v == "FAIL" and "%s %s" % (name, c) in xfail)
            if failed > xfails or passed == 0:
                errors.append("suite %s DONE passed=%d failed=%d"
                              % (name, passed, failed))
            if (passed, failed, skipped) != (counted.count("PASS"),
                                             counted.count("FAIL"),
                                             counted.count("SKIP")):
                errors.append("suite %s DONE counts disagree with the "
                              "case lines" % name)
    for name, s in res.suites.items():
        for case in s.order:
            verdict, reason = s.cases[case]
            if verdict == "FAIL" and "%s %s" % (name, case) in xfail:
                print("  expected failure: %s %s: %s" % (name, case, reason))
            elif verdict == "FAIL":
                errors.append("%s %s FAIL %s" % (name, case, reason))
            elif verdict == "SKIP" and not allow_skip:
                errors.append("%s %s SKIP %s" % (name, case, reason))
    for check in scen.checks:
        for msg in check(log, res):
            # A check may also report what it measured.
            if msg.startswith("note: "):
                print("  " + msg)
            else:
                errors.append(msg)
    return errors


def summary(res):
    out = []
    for name, s in sorted(res.suites.items()):
        skipped = ["%s (%s)" % (c, s.cases[c][1]) for c in s.order
                   if s.cases[c][0] == "SKIP"]
        out.append("  %s: %s%s" % (
            name, "DONE passed=%d failed=%d skipped=%d" % s.done
            if s.done else "no DONE",
            "; skipped: " + ", ".join(skipped) if skipped else ""))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenarios", nargs="*", help="names, or 'all'")
    ap.add_argument("--list", action="store_true", help="list scenarios")
    ap.add_argument("--hv", help="hypervisor image (tandem-hv)")
    ap.add_argument("--xen", help="dev check: boot real Xen instead, the "
                    "test kernel as dom0 (xen_ok scenarios only)")
    ap.add_argument("--guests", help="directory with the test kernels")
    ap.add_argument("--images", help="directory with the guest images "
                    "(Linux kernels and initramfs: build/images)")
    ap.add_argument("--list-meson", action="store_true",
                    help="per scenario: name, meson timeout (s) and the "
                    "images it needs")
    ap.add_argument("--log-dir", default=".", help="where to write logs")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--timeout", type=int, help="override timeouts (s)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="echo the serial log")
    args = ap.parse_args()

    if args.list:
        print("\n".join(s.name for s in SCENARIOS))
        return 0
    if args.list_meson:
        for scen in SCENARIOS:
            images = sorted(set(m.kernel.name for m in scen.modules
                                if isinstance(m.kernel, Image)))
            print(" ".join([scen.name, str(scen.timeout + 60)] + images))
        return 0
    if not args.guests or not (args.hv or args.xen):
        ap.error("--guests and --hv (or --xen) are required")
    if shutil.which(args.qemu) is None:
        print("qemu (%s) not found: skipping" % args.qemu)
        return 77

    by_name = {s.name: s for s in SCENARIOS}
    names = args.scenarios or ["all"]
    if names == ["all"]:
        names = [s.name for s in SCENARIOS
                 if not args.xen or s.xen_ok]
    failed = 0
    os.makedirs(args.log_dir, exist_ok=True)
    for name in names:
        scen = by_name.get(name)
        if scen is None:
            print("unknown scenario %s" % name)
            return 1
        if args.timeout:
            scen.timeout = args.timeout
        if args.xen and not scen.xen_ok:
            print("SKIP %s: not runnable on Xen" % name)
            continue
        try:
            cmd = qemu_command(args, scen, args.xen)
        except MissingImage as e:
            print("FAIL %s: %s" % (name, e))
            failed += 1
            continue
        log_path = os.path.join(args.log_dir, "%s%s.log"
                                % (name, "-xen" if args.xen else ""))
        res, log, why, secs = run_qemu(cmd, scen, log_path, args.verbose)
        errors = evaluate(scen, res, log, scen.allow_skip or bool(args.xen),
                          scen.xen_xfail if args.xen else ())
        status = "PASS" if not errors else "FAIL"
        print("%s %s (%s, %.1fs, log %s)" % (status, name, why, secs,
                                             log_path))
        print(summary(res))
        for e in errors:
            print("  error: " + e)
        if errors:
            failed += 1
            if not res.suites:
                print("  last lines of the log:")
                for line in log.splitlines()[-15:]:
                    print("    " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
