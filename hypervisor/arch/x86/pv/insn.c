// SPDX-License-Identifier: MIT
/* Decoding just enough of an x86-64 instruction to emulate it. */
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <asm/insn.h>
#include <asm/pv.h>

int insn_fetch(const struct cpu_regs *regs, struct insn *in)
{
	memset(in, 0, sizeof(*in));
	/* Near the end of a mapping fewer bytes may be readable. */
	for (in->len = MAX_INSN_LEN; in->len; in->len--)
		if (!copy_from_guest(in->bytes, regs->rip, in->len))
			return 0;
	return -EFAULT;
}

int insn_next(struct insn *in)
{
	return in->pos < in->len ? in->bytes[in->pos++] : -1;
}

int insn_prefixes(struct insn *in)
{
	for (;;) {
		int b = insn_next(in);

		switch (b) {
		case 0x66:
			in->opsize16 = true;
			continue;
		case 0xf3:
			in->rep = true;
			continue;
		case 0xf0:
			in->lock = true;
			continue;
		case 0x67:
			in->addr32 = true;
			continue;
		case 0x64: case 0x65:
			in->fs_gs = true;
			continue;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
		case 0xf2:
			continue;
		}
		if (b >= 0x40 && b <= 0x4f) {
			in->rex = b;
			b = insn_next(in);
		}
		return b;
	}
}

int insn_modrm(struct insn *in)
{
	int modrm = insn_next(in);
	unsigned int mod, rm, disp = 0;

	if (modrm < 0)
		return -1;
	mod = modrm >> 6;
	rm = modrm & 7;
	if (mod == 3)
		return modrm;
	if (rm == 4) {
		int sib = insn_next(in);

		if (sib < 0)
			return -1;
		if (mod == 0 && (sib & 7) == 5)
			disp = 4;
	}
	if (mod == 1)
		disp = 1;
	else if (mod == 2 || (mod == 0 && rm == 5))
		disp = 4;
	if (in->pos + disp > in->len)
		return -1;
	in->pos += disp;
	return modrm;
}

uint64_t *insn_gpr(struct cpu_regs *regs, unsigned int n)
{
	switch (n & 15) {
	case 0: return &regs->rax;
	case 1: return &regs->rcx;
	case 2: return &regs->rdx;
	case 3: return &regs->rbx;
	case 4: return &regs->rsp;
	case 5: return &regs->rbp;
	case 6: return &regs->rsi;
	case 7: return &regs->rdi;
	case 8: return &regs->r8;
	case 9: return &regs->r9;
	case 10: return &regs->r10;
	case 11: return &regs->r11;
	case 12: return &regs->r12;
	case 13: return &regs->r13;
	case 14: return &regs->r14;
	default: return &regs->r15;
	}
}
