#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn the text symbols of the first-pass hypervisor ELF into an assembly
file (section .hv_symbols) that the second link embeds, so a panic can
print "function+offset" for each backtrace entry."""
import argparse
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('elf', nargs='?')
    ap.add_argument('--nm', default='nm')
    ap.add_argument('--empty', action='store_true')
    ap.add_argument('-o', '--output', required=True)
    args = ap.parse_args()

    syms = []
    if not args.empty:
        out = subprocess.run([args.nm, '-n', args.elf], check=True,
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) != 3 or parts[1] not in 'tTwW':
                continue
            syms.append((int(parts[0], 16), parts[2]))

    lines = ['\t.section .hv_symbols, "a", @progbits',
             '\t.balign 8',
             '\t.globl hv_symbol_count, hv_symbol_addrs, hv_symbol_names',
             'hv_symbol_count:', '\t.quad %d' % len(syms),
             'hv_symbol_addrs:']
    lines += ['\t.quad %#x' % a for a, _ in syms]
    lines.append('hv_symbol_names:')
    lines += ['\t.quad .Lname%d' % i for i in range(len(syms))]
    for i, (_, name) in enumerate(syms):
        lines.append('.Lname%d:\t.asciz "%s"' % (i, name))
    with open(args.output, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
