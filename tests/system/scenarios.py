# SPDX-License-Identifier: MIT
"""System-test scenarios: which test guests to boot together and what
their output must show. Adding a scenario is adding one entry to
SCENARIOS (see README.md for every field).

A module is Module(kernel, cmdline, **options): `kernel` is a file name
in the guest build directory, an Image (a guest image under build/images:
a Debian kernel or its initramfs) or a Blob (a file the runner writes),
`cmdline`
the guest's command line (write commas plainly; the runner doubles them for
QEMU), the options become hypervisor options in front of "--" (name=,
mem=, vcpus=, weight=, cap=; initrd=True for the bare word "initrd").
"""

import re
import struct
from dataclasses import dataclass, field
from typing import Callable, List, Tuple


@dataclass
class Blob:
    """A module file made at run time: `name` is its file name (the
    hypervisor's messages show it), make(guests_dir) returns its bytes."""
    name: str
    make: Callable[[str], bytes]


@dataclass
class Image:
    """A guest image built by images/meson.build (run.py --images DIR):
    vmlinuz-FLAVOUR (Debian's kernel) or initramfs-FLAVOUR.cpio."""
    name: str


@dataclass
class Disk:
    """A disk image of `mib` MiB of random bytes, written by the runner
    for each run and attached with `qemu_args` ("{file}" is its path).
    The SHA-256 of its first 8 MiB is added to the first module's command
    line as tandem.<name>=HEX, so the guest can check what it reads."""
    name: str
    mib: int
    qemu_args: List[str]


@dataclass
class Module:
    kernel: str
    cmdline: str = ""
    options: dict = field(default_factory=dict)

    def __init__(self, kernel, cmdline="", **options):
        self.kernel = kernel
        self.cmdline = cmdline
        self.options = options


@dataclass
class Scenario:
    name: str
    modules: List[Module]
    # Suites that must each print DONE with failed=0.
    suites: List[str]
    hv_cmdline: str = "loglvl=info"
    timeout: int = 90
    # Extra checks: f(log_text, results) -> list of error strings.
    checks: List[Callable] = field(default_factory=list)
    # Regular expressions that must appear in the log before we stop.
    wait_for: List[str] = field(default_factory=list)
    # SKIP verdicts are reported but do not fail the scenario.
    allow_skip: bool = True
    # Can run on real Xen as dom0 (dev check: run.py --xen).
    xen_ok: bool = False
    # "suite case" verdicts that fail on Xen under TCG for known reasons
    # (README.md): tolerated with --xen only.
    xen_xfail: List[str] = field(default_factory=list)
    qemu_smp: int = 1
    # Typed on the serial line: (pattern, bytes) steps, each sent once its
    # pattern appears in the log after the previous step's match.
    # A step's pattern may also be a tuple of patterns that must all have
    # appeared.
    keys: List[Tuple[str, bytes]] = field(default_factory=list)
    # QEMU's memory in MiB (-m).
    qemu_mem: int = 512
    # QEMU's machine (-M), and devices added to it (for dom0 to drive).
    qemu_machine: str = "pc"
    qemu_args: List[str] = field(default_factory=list)
    # Regular expressions that fail the scenario at once (one line each):
    # no point waiting for the timeout.
    fail_on: List[str] = field(default_factory=list)
    # The hypervisor is made to panic on purpose: not an error by itself.
    expect_panic: bool = False
    # Disk images for the first domain (dom0) to read.
    disks: List[Disk] = field(default_factory=list)


# Every scenario starts with an idle privileged dom0, so that the test
# kernels run as ordinary unprivileged domains.
def dom0():
    return Module("idle.elf", name="dom0")


def check_sched_share(log, results):
    """Two spinners with weights 256 and 512 share one CPU about 1:2."""
    shares = results.extra.get("sched", [])
    got = {}
    for words in shares:
        # TANDEM-TEST sched share <name> <running_ns> <elapsed_ns>
        if len(words) == 4 and words[0] == "share":
            got[words[1]] = (int(words[2]), int(words[3]))
    if set(got) != {"light", "heavy"}:
        return ["sched: expected shares from light and heavy, got %s"
                % sorted(got)]
    light, heavy = got["light"][0], got["heavy"][0]
    if light <= 0:
        return ["sched: light domain never ran"]
    ratio = heavy / light
    if not 1.5 <= ratio <= 2.6:
        return ["sched: heavy/light running-time ratio %.2f, want ~2"
                % ratio]
    return []


def check_crash_reported(log, results):
    """The hypervisor names the crashed domain and why it died."""
    errors = []
    said = [line for line in log.splitlines()
            if "crashme" in line and not line.startswith("(crashme) ")
            and "crash" in line.replace("crashme", "")
            and re.search(r"#PF|page fault|fault", line, re.IGNORECASE)]
    if not said:
        errors.append("no hypervisor line naming domain 'crashme', that "
                      "it crashed, and the page fault")
    if "crash reached-end" in log:
        errors.append("crash guest survived its fault")
    return errors


def check_escapes_dropped(log, results):
    """Guest output cannot drive the operator's terminal."""
    errors = []
    if "(conin) # conin: escapes [red.]" not in log:
        errors.append("conin's escape sequences not dropped whole "
                      "(want 'escapes [red.]')")
    # (The firmware's own output before the hypervisor has escapes.)
    if any("\x1b" in line for line in log.splitlines()
           if line.startswith("(conin) ")):
        errors.append("an ESC character from conin reached the console")
    return errors


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


def noise(n, seed):
    """n reproducible pseudo-random bytes."""
    out = bytearray()
    x = seed
    while len(out) < n:
        x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
        out += (x >> 32).to_bytes(4, "little")
    return bytes(out[:n])


# The initrd test module: not a kernel (no ELF or bzImage header), and
# not a whole number of pages. initrd.elf checks length and checksum.
INITRD_LEN = 3 * 4096 + 1234
INITRD_DATA = (b"TNDMinitrd\n" + noise(INITRD_LEN, 1))[:INITRD_LEN]
INITRD = Blob("initrd.bin", lambda guests: INITRD_DATA)
INITRD_CMDLINE = "len=%d sum=%#x" % (INITRD_LEN, fnv1a64(INITRD_DATA))


# Bad builder input: files the hypervisor must refuse, by name, and go on.
def read_guest(guests, name):
    with open("%s/%s" % (guests, name), "rb") as f:
        return bytearray(f.read())


def elf_phdrs(img):
    """(offset of each program header, p_type, p_offset, p_filesz)."""
    phoff, = struct.unpack_from("<Q", img, 32)
    phentsize, phnum = struct.unpack_from("<HH", img, 54)
    out = []
    for i in range(phnum):
        at = phoff + i * phentsize
        p_type, = struct.unpack_from("<I", img, at)
        p_offset, = struct.unpack_from("<Q", img, at + 8)
        p_filesz, = struct.unpack_from("<Q", img, at + 32)
        out.append((at, p_type, p_offset, p_filesz))
    return out


def elf_note_desc(img, note_type):
    """(offset, size) of the descriptor of the Xen note of that type."""
    for _, p_type, off, size in elf_phdrs(img):
        if p_type != 4:                         # PT_NOTE
            continue
        pos = off
        while pos + 12 <= off + size:
            namesz, descsz, ntype = struct.unpack_from("<III", img, pos)
            name_at = pos + 12
            desc_at = name_at + (namesz + 3) // 4 * 4
            if ntype == note_type and img[name_at:name_at + 4] == b"Xen\0":
                return desc_at, descsz, pos
            pos = desc_at + (descsz + 3) // 4 * 4
    raise ValueError("no Xen note %d" % note_type)


def bad_phoff(guests):
    img = read_guest(guests, "boot.elf")
    struct.pack_into("<Q", img, 32, 0xfffffffffffffff0)
    return bytes(img)


def bad_note_size(guests):
    img = read_guest(guests, "boot.elf")
    _, _, note_at = elf_note_desc(img, 9)       # LOADER
    struct.pack_into("<I", img, note_at + 4, 0xfffffff0)
    return bytes(img)


def bad_virt_base(guests):
    # The kernel asks to be mapped over the hypervisor.
    img = read_guest(guests, "boot.elf")
    at, size, _ = elf_note_desc(img, 3)         # VIRT_BASE
    struct.pack_into("<Q", img, at, 0xffff800000000000)
    return bytes(img)


def bad_segment(guests):
    # A PT_LOAD whose physical range wraps around.
    img = read_guest(guests, "boot.elf")
    for at, p_type, _, _ in elf_phdrs(img):
        if p_type == 1:                         # PT_LOAD
            struct.pack_into("<Q", img, at + 24, 0xfffffffffffff000)
            struct.pack_into("<Q", img, at + 40, 0x10000)
            return bytes(img)
    raise ValueError("no PT_LOAD")


BAD_MODULES = [
    Blob("garbage.bin", lambda g: b"GARBAGE!" + noise(6000, 7)),
    Blob("short.elf", lambda g: bytes(read_guest(g, "boot.elf")[:40])),
    Blob("truncated.elf",
         lambda g: bytes(read_guest(g, "boot.elf")[:4096 + 1000])),
    Blob("phoff.elf", bad_phoff),
    Blob("notesize.elf", bad_note_size),
    Blob("virtbase.elf", bad_virt_base),
    Blob("segment.elf", bad_segment),
]


def check_bad_modules(log, results):
    """Each bad module is named in an error; none became a domain."""
    errors = []
    for blob in BAD_MODULES:
        name = re.escape(blob.name)
        if not re.search(r"module \d+ \(%s\).*(cannot|not a kernel)"
                         % name, log):
            errors.append("no error naming module %s" % blob.name)
        if re.search(r"^domain \d+ \(.*\): %s," % name, log, re.M):
            errors.append("module %s became a domain" % blob.name)
    if not re.search(r"^domain 1 \(good\): boot\.elf,", log, re.M):
        errors.append("the good kernel is not domain 1")
    return errors


def check_too_big(log, results):
    """The domains that cannot have their memory are refused by name."""
    errors = []
    for i, size in ((1, "64G"), (2, "2G")):
        if not re.search(r"module %d \(boot\.elf\): cannot build domain "
                         r"1: .*(memory|MiB)" % i, log):
            errors.append("no error for module %d (mem=%s)" % (i, size))
    if not re.search(r"^domain 1 \(good\): boot\.elf, 64 MiB", log, re.M):
        errors.append("the good kernel is not domain 1 with 64 MiB")
    return errors


# Serial input: Ctrl-A three times moves the console focus (dom0, the
# other domains, the hypervisor's debug keys).
CTRL_A3 = b"\x01\x01\x01"
DEBUG_KEYS = [
    (r"console focus: dom0 ", CTRL_A3),
    # Meant for "second": a plain key, two Ctrl-A and a key (no switch),
    # then three Ctrl-A.
    (r"console focus: second ", b"d\x01\x01x" + CTRL_A3),
    (r"console focus: hypervisor \(debug keys", b"h"),
    (r"debug keys: h help", b"d"),
    (r"  domain 1 \(second\)", b"m"),
]


# Typed at the conin domain: fewer than three Ctrl-A are its own.
CONIN_LINE = b"ping\x01\x01x\r"
CONIN_KEYS = [
    (r"conin: waiting for input", CTRL_A3),
    (r"console focus: conin ", CONIN_LINE),
]


# The 'C' debug key crashes the hypervisor: its report must be readable.
PANIC_KEYS = [
    (r"console focus: dom0 ", CTRL_A3),
    (r"console focus: second ", CTRL_A3),
    (r"console focus: hypervisor \(debug keys", b"C"),
]


def check_panic_report(log, results):
    """Fault name, registers, a symbolised backtrace, then silence."""
    errors = []
    want = [
        (r"\*\*\* hypervisor fault: #PF page fault \(vector 14\)",
         "the fault and its vector"),
        (r"page-fault address: 0000000000000008", "the fault address"),
        (r"rip: e008:ffff8280[0-9a-f]{8}", "the faulting rip"),
        (r"rax: [0-9a-f]{16}  rbx: ", "the general registers"),
        (r"cr0: [0-9a-f]{16}  cr2: ", "the control registers"),
        (r"backtrace:\n(  [0-9a-f]{16} \w+\+0x[0-9a-f]+\n)+",
         "a backtrace with symbol names"),
        (r"  [0-9a-f]{16} console_softirq\+0x", "the key's call chain"),
        (r"PANIC: fatal #PF page fault in the hypervisor",
         "the panic line"),
    ]
    for pattern, what in want:
        if not re.search(pattern, log.replace("\r", "")):
            errors.append("panic report lacks %s" % what)
    after = log[log.find("PANIC:"):].splitlines()[1:]
    if any(line.startswith("(") for line in after):
        errors.append("guest output after the panic")
    return errors


def check_debug_keys(log, results):
    """Focus order, and each key's answer from the hypervisor only."""
    errors = []
    focus = re.findall(r"console focus: (\S+)", log)
    if focus != ["dom0", "second", "hypervisor"]:
        errors.append("focus went %s, want dom0, second, hypervisor"
                      % focus)
    at = log.find("console focus: hypervisor")
    if re.search(r"^  domain \d+ ", log[:max(at, 0)], re.M):
        errors.append("'d' typed at a domain reached the debug keys")
    doms = re.findall(r"^  domain (\d+) \((\S+)\): (\S+), (\d+) pages",
                      log, re.M)
    want = [("0", "dom0", "running"), ("1", "second", "running")]
    if [d[:3] for d in doms] != want:
        errors.append("domain list %s, want dom0 and second running"
                      % [d[:3] for d in doms])
    heap = re.search(r"^  heap: (\d+) of (\d+) pages free", log, re.M)
    if not heap or not 0 < int(heap.group(1)) < int(heap.group(2)):
        errors.append("no sane heap line after 'm'")
    return errors


# QEMU's TCG reports "int n" #GPs with error code n << 4 | 2 and Xen
# 4.17 takes the vector from ec >> 3, so int n (n != 0x80) reaches the
# wrong trap entry there.
TRAPS_XEN_XFAIL = ["traps int_dpl"]

SCENARIOS = [
    Scenario("boot",
             [dom0(), Module("boot.elf", "token=a,b", name="boot")],
             suites=["boot"], xen_ok=True),
    Scenario("boot-hcall",
             [dom0(), Module("boot-hcall.elf", "token=a,b",
                             name="boot-hcall")],
             suites=["boot"], xen_ok=True),
    Scenario("boot-dom0",
             [Module("boot.elf", "dom0 token=a,b", name="boot")],
             suites=["boot"]),
    Scenario("traps",
             [dom0(), Module("traps.elf", name="traps")],
             suites=["traps"], xen_ok=True, xen_xfail=TRAPS_XEN_XFAIL),
    Scenario("traps-hcall",
             [dom0(), Module("traps-hcall.elf", name="traps-hcall")],
             suites=["traps"], xen_ok=True, xen_xfail=TRAPS_XEN_XFAIL),
    Scenario("mm",
             [dom0(), Module("mm.elf", name="mm")],
             suites=["mm"], xen_ok=True),
    Scenario("events",
             [dom0(), Module("events.elf", name="events")],
             suites=["events"], xen_ok=True,
             xen_xfail=["events fifo_abi"]),
    Scenario("timers",
             [dom0(), Module("timers.elf", name="timers")],
             suites=["timers"], xen_ok=True),
    Scenario("grants",
             [dom0(), Module("grants.elf", name="grants")],
             suites=["grants"], xen_ok=True),
    Scenario("vcpus",
             [dom0(), Module("vcpus.elf", name="vcpus", vcpus=2)],
             suites=["vcpus"], xen_ok=True),
    Scenario("vcpus-smp2",
             [dom0(), Module("vcpus.elf", name="vcpus", vcpus=2)],
             suites=["vcpus"], qemu_smp=2),
    Scenario("desc",
             [dom0(), Module("desc.elf", name="desc")],
             suites=["desc"], xen_ok=True),
    Scenario("balloon",
             [dom0(), Module("balloon.elf", name="balloon", mem="64M")],
             suites=["balloon"], xen_ok=True),
    # A module that is not a kernel is the initrd of the kernel before
    # it; the MOD_START_PFN kernel gets it unmapped, by PFN.
    Scenario("initrd",
             [dom0(), Module("initrd.elf", INITRD_CMDLINE, name="initrd"),
              Module(INITRD)],
             suites=["initrd"], xen_ok=True),
    Scenario("initrd-pfn",
             [dom0(), Module("initrd-modpfn.elf", INITRD_CMDLINE,
                             name="initrd-pfn"),
              Module(INITRD, initrd=True)],
             suites=["initrd"], xen_ok=True),
    # The builder refuses bad modules by name and builds the good one.
    Scenario("bad-modules",
             [Module(BAD_MODULES[0]), dom0()] +
             [Module(b) for b in BAD_MODULES[1:]] +
             [Module("boot.elf", "token=a,b", name="good")],
             suites=["boot"], checks=[check_bad_modules]),
    Scenario("too-big",
             [dom0(),
              Module("boot.elf", "token=a,b", name="huge", mem="64G"),
              Module("boot.elf", "token=a,b", name="big", mem="2G"),
              Module("boot.elf", "token=a,b", name="good")],
             suites=["boot"], checks=[check_too_big], timeout=30),
    Scenario("debug-keys",
             [dom0(), Module("idle.elf", name="second")],
             suites=[], keys=DEBUG_KEYS, checks=[check_debug_keys],
             wait_for=[r"  heap: \d+ of \d+ pages free"]),
    Scenario("panic-report",
             [dom0(), Module("idle.elf", name="second")],
             suites=[], keys=PANIC_KEYS, checks=[check_panic_report],
             expect_panic=True, wait_for=[r"PANIC:"]),
    Scenario("console-input",
             [dom0(), Module("conin.elf", "expect=" + CONIN_LINE.hex(),
                             name="conin")],
             suites=["conin"], keys=CONIN_KEYS,
             checks=[check_escapes_dropped]),
    Scenario("privilege",
             [dom0(), Module("privilege.elf", name="privilege")],
             suites=["privilege"]),
    # The test kernel is dom0 and a toolstack: it builds, runs and
    # destroys domains of its own beside the boot-time domain 1.
    Scenario("domctl",
             [Module("domctl.elf", name="dom0"),
              Module("idle.elf", name="bystander")],
             suites=["domctl"], timeout=60),
    # Domain ids follow module order: dom0 is 0, server 1, client 2.
    Scenario("pair",
             [dom0(),
              Module("pair.elf", "role=server peer=2 suite=pair-server",
                     name="server"),
              Module("pair.elf", "role=client peer=1 suite=pair-client",
                     name="client")],
             suites=["pair-server", "pair-client"]),
    Scenario("sched",
             [dom0(),
              Module("spin.elf", "share=light suite=spin-light",
                     name="light", weight=256),
              Module("spin.elf", "share=heavy suite=spin-heavy",
                     name="heavy", weight=512)],
             suites=["spin-light", "spin-heavy"],
             checks=[check_sched_share]),
    Scenario("crash",
             [dom0(), Module("crash.elf", name="crashme"),
              Module("events.elf", name="survivor")],
             suites=["events"], checks=[check_crash_reported],
             wait_for=[r"crashme\)? crashed"]),
]


# ---------------------------------------------------------------------------
# Stock Debian Linux as a PV domain (images/: Debian's kernel as shipped,
# an initramfs with busybox, our test programs and an /init that runs a
# suite of images/suites/ and prints verdicts in the same protocol).
# What needs the host's clock or the hypervisor's own messages is checked
# here, from the console.

def linux(name, suite=None, flavour="amd64", mem=256, vcpus=1, end=None,
          suite_name=None, forks=None, **options):
    """The two modules of a Linux domain: Debian's kernel and our
    initramfs. Without a suite the guest starts an interactive shell."""
    cmdline = ["console=hvc0", "tandem.vm=" + name,
               "tandem.cpus=%d" % vcpus, "tandem.mem=%d" % mem]
    if suite:
        cmdline.append("tandem.test=" + suite)
    if suite_name:
        cmdline.append("tandem.suite=" + suite_name)
    if end:
        cmdline.append("tandem.end=" + end)
    if forks:
        cmdline.append("tandem.forks=%d" % forks)
    return [Module(Image("vmlinuz-" + flavour), " ".join(cmdline),
                   name=name, mem="%dM" % mem, vcpus=vcpus, **options),
            Module(Image("initramfs-%s.cpio" % flavour), initrd=True)]


def shutdown_line(dom, reason):
    return r"^domain \d+ \(%s\) shut down: %s$" % (re.escape(dom), reason)


def linux_fail_on(*doms):
    """fail_on patterns for Linux domains that must boot and not crash:
    the hypervisor refused a Linux kernel or initramfs, or one of them
    crashed."""
    out = [r"^\(ERR\) module \d+ \((vmlinuz|initramfs)-"]
    for dom in doms:
        out += [r"^domain \d+ \(%s\) crashed" % re.escape(dom),
                shutdown_line(dom, "crash")]
    return out


def check_shutdown(dom, reason, said=None):
    """The hypervisor reports that the domain shut down for `reason`,
    after the guest said (tandem-init) how it would end."""
    def check(log, results):
        m = re.search(shutdown_line(dom, reason), log, re.M)
        if not m:
            got = re.findall(r"^domain \d+ \(%s\) (shut down: .*|crashed.*)$"
                             % re.escape(dom), log, re.M)
            return ["no 'domain N (%s) shut down: %s' (got: %s)"
                    % (dom, reason, "; ".join(got) or "nothing")]
        if said and not re.search(
                r"^\(%s\) tandem-init: ending the domain: %s$"
                % (re.escape(dom), said), log[:m.start()], re.M):
            return ["%s shut down before it said it would %s"
                    % (dom, said)]
        return []
    return check


KERNEL_TROUBLE = re.compile(r"WARNING:|BUG:|Call Trace|unchecked MSR|"
                            r"Oops|general protection fault")


def check_kernel_log(dom, crash_after=None):
    """No WARNING, BUG, oops, call trace or unchecked MSR access from the
    domain's kernel on the console: not counting the call trace of an OOM
    killer report, nor anything after the line `crash_after` (the guest
    crashing itself on purpose)."""
    def check(log, results):
        errors, in_oom = [], False
        prefix = "(%s) " % dom
        for line in log.splitlines():
            if not line.startswith(prefix):
                continue
            text = line[len(prefix):]
            if crash_after and crash_after in text:
                break
            if text.startswith("# "):
                continue    # a diagnostic: the suite judges what it quotes
            if "invoked oom-killer" in text:
                in_oom = True
            if in_oom:
                in_oom = "Killed process" not in text
                continue
            if KERNEL_TROUBLE.search(text):
                errors.append("%s kernel: %s" % (dom, text.strip()))
        return errors[:5]
    return check


def marks(results, suite, what):
    """(host arrival time, values) of every 'TANDEM-TEST <suite> mark
    <what> values...' line."""
    pat = re.compile(r"TANDEM-TEST %s mark %s\b(.*)$"
                     % (re.escape(suite), re.escape(what)))
    out = []
    for when, line in results.lines:
        m = pat.search(line.rstrip())
        if m:
            out.append((when, [float(w) for w in m.group(1).split()]))
    return out


def check_clock(suite, seconds=5):
    """`sleep 5` in the guest lasts 5 s of host time (the marks around it
    are timestamped as they arrive), and the guest's wall clock (in each
    mark) agrees with the host's within 2 s."""
    def check(log, results):
        begin = marks(results, suite, "sleep-begin")
        end = marks(results, suite, "sleep-end")
        date = marks(results, suite, "date")
        if not (begin and end and date):
            return ["%s: no sleep-begin/sleep-end/date marks" % suite]
        errors = []
        host = end[0][0] - begin[0][0]
        guest = end[0][1][1] - begin[0][1][1]
        if not seconds - 0.2 <= host <= seconds + 0.8:
            errors.append("sleep %d took %.2f s of host time"
                          % (seconds, host))
        if abs(host - guest) > 0.5:
            errors.append("sleep: %.2f s by the guest's clock, %.2f s by "
                          "the host's" % (guest, host))
        offsets = [values[0] - when for when, values in begin + end + date]
        for off in offsets:
            if abs(off) > 2.0:
                errors.append("guest wall clock %+.2f s off the host's"
                              % off)
        errors.append("note: sleep %d: %.3f s host, %.3f s guest; guest "
                      "wall clock %+.2f..%+.2f s from the host's"
                      % (seconds, host, guest, min(offsets), max(offsets)))
        return errors
    return check


def check_answers(dom, answers, limit=2.0, during=None):
    """Each command typed (answers: (typed bytes, regex of the answer
    line)) is answered by `dom` within `limit` seconds. `during`: (suite,
    begin mark, end mark, count): the first `count` commands were typed
    between those two marks of that suite."""
    def check(log, results):
        errors = []
        times = []
        for typed, answer in answers:
            at = [t for t, data in results.typed if data == typed]
            if not at:
                errors.append("%r was never typed" % typed)
                continue
            times.append(at[0])
            pat = re.compile(r"^\(%s\) %s$" % (re.escape(dom), answer))
            got = [t for t, line in results.lines
                   if t >= at[0] and pat.match(line.rstrip("\n"))]
            if not got:
                errors.append("%s never answered %r" % (dom, typed))
            elif got[0] - at[0] > limit:
                errors.append("%s answered %r after %.2f s (limit %.1f s)"
                              % (dom, typed, got[0] - at[0], limit))
            else:
                errors.append("note: %s answered %r in %.2f s"
                              % (dom, typed, got[0] - at[0]))
        if during and len(times) >= during[3]:
            suite, first, last, count = during
            b, e = marks(results, suite, first), marks(results, suite, last)
            if not b or not e:
                errors.append("no %s/%s marks from %s" % (first, last, suite))
            elif not all(b[0][0] < t < e[0][0] for t in times[:count]):
                errors.append("commands were not all typed while %s ran "
                              "its load" % suite)
        return errors
    return check


def check_rebooted(dom, suite):
    """A reboot builds the domain again (same name), and it runs its
    suite a second time."""
    def check(log, results):
        m = re.search(shutdown_line(dom, "reboot"), log, re.M)
        if not m:
            return []           # check_shutdown says so
        rest = log[m.end():]
        if not re.search(r"^domain \d+ \(%s\): " % re.escape(dom), rest,
                         re.M):
            return ["%s was not built again after its reboot" % dom]
        if not re.search(r"^\(%s\) TANDEM-TEST %s DONE passed=\d+ failed=0"
                         % (re.escape(dom), suite), rest, re.M):
            return ["%s did not run its suite again after the reboot" % dom]
        return []
    return check


def check_refused_linux(log, results):
    """The 64 MiB Debian kernel is refused by name, for want of memory:
    its PV layout alone (the kernel at 16 MiB, a 63 MiB image, the
    initramfs) needs more. The test kernel beside it runs."""
    errors = []
    if not re.search(r"module \d+ \(vmlinuz-amd64\): cannot build domain "
                     r"\d+: needs at least \d+ MiB", log):
        errors.append("no error refusing the 64 MiB Linux domain for "
                      "want of memory")
    if re.search(r"^domain \d+ \(tiny\): ", log, re.M):
        errors.append("the 64 MiB Linux domain was built")
    return errors


# Console focus: dom0 -> work (domain 1) with one Ctrl-A x3. Commands are
# answered with arithmetic so that the typed echo never matches.
SIDE_ANSWERS = [
    (b"echo ans-$((1000+1))\r", r"ans-1001"),
    (b"echo ans-$((1000+2))\r", r"ans-1002"),
    (b"echo ans-$((1000+3))\r", r"ans-1003"),
    (b"echo ans-$((2000+1))\r", r"ans-2001"),
]
SIDE_KEYS = [
    ((r"^\(work\) .*This is the 'work' VM",
      r"TANDEM-TEST load mark load-begin"), CTRL_A3),
    (r"console focus: work ", SIDE_ANSWERS[0][0]),
    (r"^\(work\) ans-1001$", SIDE_ANSWERS[1][0]),
    (r"^\(work\) ans-1002$", SIDE_ANSWERS[2][0]),
    # After the neighbour panicked: work still answers.
    (shutdown_line("busy", "crash"), SIDE_ANSWERS[3][0]),
]

def linux_quick(name, dom, timeout, qemu_mem, qemu_smp=1, **options):
    """A Linux domain `dom` runs the short suite and powers off cleanly."""
    return Scenario(name,
                    [dom0()] + linux(dom, "quick", forks=500, **options),
                    suites=["quick"], qemu_smp=qemu_smp, qemu_mem=qemu_mem,
                    timeout=timeout,
                    checks=[check_kernel_log(dom),
                            check_shutdown(dom, "power off", "poweroff")],
                    wait_for=[shutdown_line(dom, "power off")],
                    fail_on=linux_fail_on(dom))


LINUX_SCENARIOS = [
    # One boot, every check (images/suites/full), then poweroff.
    Scenario("linux-full",
             [dom0()] + linux("linux", "full", mem=256, vcpus=2),
             suites=["full"], qemu_smp=2, qemu_mem=1024, timeout=420,
             allow_skip=False,
             checks=[check_clock("full"), check_kernel_log("linux"),
                     check_shutdown("linux", "power off", "poweroff")],
             wait_for=[shutdown_line("linux", "power off")],
             fail_on=linux_fail_on("linux")),
    # reboot (the hypervisor builds the domain again, which runs its
    # suite again) and halt (Linux's halt is SHUTDOWN_poweroff, as on Xen).
    Scenario("linux-ends",
             [dom0()] +
             linux("rb", "ends", mem=128, end="reboot", suite_name="ends-rb") +
             linux("hl", "ends", mem=128, end="halt", suite_name="ends-hl"),
             suites=["ends-rb", "ends-hl"], qemu_mem=768, qemu_smp=2,
             timeout=150,
             checks=[check_shutdown("rb", "reboot", "reboot"),
                     check_rebooted("rb", "ends-rb"),
                     check_shutdown("hl", "power off", "halt"),
                     check_kernel_log("rb"), check_kernel_log("hl")],
             wait_for=[shutdown_line("hl", "power off"),
                       r"(?s)^domain \d+ \(rb\) shut down: reboot$.*"
                       r"^\(rb\) TANDEM-TEST ends-rb DONE"],
             fail_on=linux_fail_on("rb", "hl")),
    # Two Linux domains and a test kernel at once: 'busy' runs a capped
    # fork bomb and a CPU hog while commands typed at 'work' must be
    # answered within 2 s; then 'busy' panics (sysrq c): only it ends,
    # with the panic on the console, and 'work' still answers.
    Scenario("linux-side-by-side",
             [dom0()] + linux("work", mem=256) +
             linux("busy", "load", mem=256, vcpus=2, end="panic") +
             [Module("timers.elf", name="timers")],
             suites=["load", "timers"], qemu_smp=2, qemu_mem=1024,
             timeout=300, keys=SIDE_KEYS,
             checks=[check_answers("work", SIDE_ANSWERS,
                                   during=("load", "load-begin",
                                           "load-end", 3)),
                     check_shutdown("busy", "crash", "panic"),
                     check_kernel_log("work"),
                     check_kernel_log("busy", "ending the domain: panic"),
                     lambda log, res: [] if re.search(
                         r"^\(busy\) .*Kernel panic - not syncing: sysrq "
                         r"triggered crash", log, re.M) else
                     ["no panic message from busy on the console"]],
             wait_for=[r"^\(work\) ans-2001$"],
             fail_on=linux_fail_on("work") + [
                 r"^domain \d+ \(busy\) crashed"]),
    # The cloud flavour, on one vCPU.
    linux_quick("linux-cloud", "cloud", timeout=240, qemu_mem=768,
                flavour="cloud-amd64", mem=256, vcpus=1),
    # Four vCPUs on a two-CPU machine.
    linux_quick("linux-vcpus4", "four", timeout=300, qemu_mem=768,
                qemu_smp=2, mem=256, vcpus=4),
    # 2 GiB.
    linux_quick("linux-2g", "big", timeout=400, qemu_mem=3072, qemu_smp=2,
                mem=2048, vcpus=2),
    # 64 MiB cannot hold this kernel's PV layout (Xen refuses it too): the
    # hypervisor says so and goes on; 96 MiB is enough and runs the
    # short suite.
    Scenario("linux-64m",
             [dom0()] + linux("tiny", "quick", mem=64) +
             [Module("boot.elf", "token=a,b", name="beside")],
             suites=["boot"], qemu_mem=512, timeout=60,
             checks=[check_refused_linux]),
    linux_quick("linux-96m", "small", timeout=240, qemu_mem=512, mem=96),
]

SCENARIOS += LINUX_SCENARIOS


# ---------------------------------------------------------------------------
# Linux as dom0 drives the machine's devices and gets their interrupts as
# physical IRQs: the IO-APIC lines (ISA edge, PCI INTx and the ACPI SCI
# level) mapped with PHYSDEVOP_map_pirq and bound to event channels.
# Every driver involved is built into Debian's kernel: the i8042
# keyboard controller (it probes with interrupts), the CMOS RTC, the
# 8250 UART on COM2 (ISA IRQ 3, edge) and on a PCI serial card (INTx,
# level). Writing to the UARTs makes them interrupt; /proc/interrupts,
# read while the ports are open, must count those interrupts.

DOM0_IRQ_DEVICES = ["-chardev", "null,id=com2", "-device",
                    "isa-serial,chardev=com2,index=1",
                    "-chardev", "null,id=pcs", "-device",
                    "pci-serial,chardev=pcs"]

# Typed at dom0's shell: the answer is arithmetic so that the echo of
# the command line never matches.
DOM0_IRQ_KEYS = [
    (r"^\(dom0\) .*This is the 'dom0' VM",
     b"for t in /dev/ttyS*; do (echo irq-test; sleep 4) > $t 2>/dev/null"
     b" & done; sleep 2; hwclock -r; grep xen-pirq /proc/interrupts;"
     b" echo irq-$((700+1))\r"),
]

PIRQ_LINE = re.compile(r"^\(dom0\)\s+(\d+):\s+(\d+)\s+xen-pirq\s+-(\S+)\s+"
                       r"(.*?)\s*$", re.M)


def check_dom0_irqs(log, results):
    """dom0 mapped and bound its interrupts, and they arrived."""
    errors = []
    for bad in [r"xen map irq failed", r"Failed to setup GSI",
                r"Failed to obtain physical IRQ", r"probe of \S+ failed",
                r"unmap irq failed"]:
        m = re.search(r"^\(dom0\) .*%s.*$" % bad, log, re.M)
        if m:
            errors.append("dom0: %s" % m.group(0))
    for want, what in [
            (r"^IO-APIC: id \d+ at 0x[0-9a-f]+, .*all masked$",
             "the hypervisor set up no IO-APIC"),
            (r"^\(dom0\) .*rtc_cmos \S+: registered as rtc0$",
             "rtc_cmos did not probe"),
            (r"^\(dom0\) .*serio: i8042 KBD port", "no i8042 controller"),
            (r"^\(dom0\) \w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4}",
             "hwclock -r printed no date")]:
        if not re.search(want, log, re.M):
            errors.append(what)
    seen = {}
    for irq, count, kind, name in PIRQ_LINE.findall(log):
        seen.setdefault((kind, name), []).append(int(count))
    if not seen:
        return errors + ["no xen-pirq lines in dom0's /proc/interrupts"]

    def counted(kind, name_re):
        return max([max(c) for (k, n), c in seen.items()
                    if k == kind and re.fullmatch(name_re, n)] or [-1])
    for kind, name, least in [("ioapic-edge", r"i8042", 1),
                              ("ioapic-edge", r"ttyS\d+", 1),
                              ("ioapic-level", r"ttyS\d+", 1),
                              ("ioapic-level", r"acpi", 0)]:
        n = counted(kind, name)
        if n < least:
            errors.append("dom0 /proc/interrupts: %s %s: %s" % (
                kind, name, "absent" if n < 0 else "%d interrupts" % n))
    return errors


DOM0_IRQ_SCENARIOS = [
    Scenario("linux-dom0-irq" + suffix,
             linux("dom0", mem=512),
             suites=[], hv_cmdline="loglvl=info", qemu_mem=1024,
             qemu_machine=machine, qemu_args=DOM0_IRQ_DEVICES,
             timeout=180, keys=DOM0_IRQ_KEYS,
             checks=[check_dom0_irqs, check_kernel_log("dom0")],
             wait_for=[r"^\(dom0\) irq-701$"],
             fail_on=linux_fail_on("dom0"))
    for machine, suffix in [("pc", ""), ("q35", "-q35")]
]

SCENARIOS += DOM0_IRQ_SCENARIOS


# ---------------------------------------------------------------------------
# The control domain as the product runs it: Debian's kernel as dom0 with
# the dom0 image (images/: the store, the console backend and the
# toolstack started by /init). Suite dom0 (images/cases-dom0.sh) drives
# QEMU's devices with their ordinary drivers — it reads back the disks
# written here — then creates 'work' and 'personal' from their profiles,
# types through 'tandem console', shuts one down, destroys the other and
# checks that their memory came back. Then dom0 powers the machine off
# through ACPI.

DOM0_DEVICES = ["-netdev", "user,id=net0", "-device", "e1000,netdev=net0",
                "-audiodev", "none,id=snd0", "-device", "intel-hda",
                "-device", "hda-duplex,audiodev=snd0"]

DOM0_DISKS = [
    Disk("disk", 16, ["-device", "ahci,id=ahci", "-drive",
                      "if=none,id=disk0,format=raw,file={file}",
                      "-device", "ide-hd,drive=disk0,bus=ahci.0"]),
    Disk("usb", 8, ["-device", "qemu-xhci,id=xhci", "-drive",
                    "if=none,id=stick,format=raw,file={file}",
                    "-device", "usb-storage,bus=xhci.0,drive=stick"]),
]


# With work and personal running, Ctrl-A three times goes from dom0 to
# the hypervisor: the VMs' consoles are dom0's, not in the cycle.
DOM0_FOCUS_KEYS = [(r"^\(dom0\) TANDEM-TEST dom0 vm_list PASS$", b"\x01" * 3),
                   (r"^console focus: hypervisor", b"\x01" * 3)]


def check_focus_cycle(log, results):
    """Ctrl-A x3 skipped the VMs dom0 built: hypervisor, then dom0."""
    at = re.search(r"^\(dom0\) TANDEM-TEST dom0 vm_list PASS$", log, re.M)
    if not at:
        return ["vm_list never passed: focus cycle not tried"]
    got = re.findall(r"^console focus: (\S+)", log[at.end():], re.M)[:2]
    if got != ["hypervisor", "dom0"]:
        return ["Ctrl-A x3 twice moved the focus to %s, expected "
                "hypervisor then dom0" % (got or "nothing")]
    return []


def check_machine_off(log, results):
    """dom0's poweroff went through ACPI S5 and the hypervisor said so."""
    for want in [r"^dom0 asked for ACPI S5 ",
                 r"^powering the machine off$"]:
        if not re.search(want, log, re.M):
            return ["no '%s' on the console" % want.strip("^$")]
    return []


SCENARIOS.append(
    Scenario("linux-dom0",
             [Module(Image("vmlinuz-amd64"),
                     "console=hvc0 loglevel=4 tandem.test=dom0 "
                     "tandem.autostart=no", name="dom0", mem="512M"),
              Module(Image("initramfs-dom0.cpio"), initrd=True)],
             suites=["dom0"], hv_cmdline="loglvl=info dom0_mem=512M",
             qemu_mem=1536, qemu_smp=2, qemu_args=DOM0_DEVICES,
             disks=DOM0_DISKS, timeout=900,
             keys=DOM0_FOCUS_KEYS,
             checks=[check_kernel_log("dom0"), check_machine_off,
                     check_focus_cycle],
             wait_for=[r"^powering the machine off$"],
             fail_on=linux_fail_on("dom0")))
