# SPDX-License-Identifier: MIT
"""System-test scenarios: which test guests to boot together and what
their output must show. Adding a scenario is adding one entry to
SCENARIOS (see README.md for every field).

A module is Module(kernel, cmdline, **options): `kernel` is a file name
in the guest build directory or a Blob (a file the runner writes), `cmdline`
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
    keys: List[Tuple[str, bytes]] = field(default_factory=list)
    # The hypervisor is made to panic on purpose: not an error by itself.
    expect_panic: bool = False


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
        (r"  [0-9a-f]{16} debug_key\+0x", "the crashing function"),
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
             [dom0(), Module("balloon.elf", name="balloon")],
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
             suites=["conin"], keys=CONIN_KEYS),
    Scenario("privilege",
             [dom0(), Module("privilege.elf", name="privilege")],
             suites=["privilege"]),
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
