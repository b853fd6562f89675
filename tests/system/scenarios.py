# SPDX-License-Identifier: MIT
"""System-test scenarios: which test guests to boot together and what
their output must show. Adding a scenario is adding one entry to
SCENARIOS (see README.md for every field).

A module is Module(kernel, cmdline, **options): `kernel` is a file name
in the guest build directory, `cmdline` the guest's command line (write
commas plainly; the runner doubles them for QEMU), the options become
hypervisor options in front of "--" (name=, mem=, vcpus=, weight=, cap=).
"""

import re
from dataclasses import dataclass, field
from typing import Callable, List, Optional


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
             suites=["events"], xen_ok=True),
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
