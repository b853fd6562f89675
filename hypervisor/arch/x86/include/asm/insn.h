/* SPDX-License-Identifier: MIT */
/*
 * Minimal x86-64 instruction decoding for the few guest instructions we
 * emulate: prefixes, opcode bytes, ModRM/SIB/displacement lengths.
 */
#ifndef ASM_INSN_H
#define ASM_INSN_H

#include <tandem/types.h>
#include <asm/regs.h>

#define MAX_INSN_LEN	15

struct insn {
	uint8_t bytes[MAX_INSN_LEN];
	unsigned int len;	/* bytes fetched */
	unsigned int pos;	/* decode position */
	uint8_t rex;
	bool opsize16;		/* 0x66 */
	bool rep;		/* 0xf3 */
	bool lock;		/* 0xf0 */
	bool addr32;		/* 0x67 */
	bool fs_gs;		/* 0x64 or 0x65: a segment with a base */
};

/* Fetch the bytes at the guest's %rip; -EFAULT if none are readable. */
int insn_fetch(const struct cpu_regs *regs, struct insn *in);
/* Next byte, or -1 past the end. */
int insn_next(struct insn *in);
/* Skip legacy and REX prefixes; return the first opcode byte (or -1). */
int insn_prefixes(struct insn *in);
/*
 * Consume a ModRM byte and whatever SIB/displacement it implies. Returns
 * the ModRM byte, or -1 if the instruction is truncated.
 */
int insn_modrm(struct insn *in);
/* The general register numbered n (0-15, REX-extended). */
uint64_t *insn_gpr(struct cpu_regs *regs, unsigned int n);

static inline unsigned int modrm_reg(const struct insn *in, int modrm)
{
	return ((modrm >> 3) & 7) | ((in->rex & 4) ? 8 : 0);
}

static inline unsigned int modrm_rm(const struct insn *in, int modrm)
{
	return (modrm & 7) | ((in->rex & 1) ? 8 : 0);
}

#endif
