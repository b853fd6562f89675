// SPDX-License-Identifier: MIT
/*
 * Writable page tables: a PV kernel that enabled the assist may write its
 * L1 tables directly even though they are mapped read-only. The write
 * faults; we decode the instruction, compute the whole new 8-byte entry,
 * validate it like mmu_update would, store it, update registers and flags
 * as the instruction would have, and step over it.
 *
 * Handled: the forms kernels use on PTEs, with or without LOCK (or the DS
 * prefix a uniprocessor kernel patches LOCK into): mov, and/or/xor (with
 * a register or an immediate), xchg, cmpxchg, and bts/btr/btc, at any
 * operand width, as long as the access stays within one entry.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <asm/insn.h>
#include <asm/pagetable.h>
#include <asm/pv.h>

#define FLAGS_ARITH	(RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | \
			 RFLAGS_SF | RFLAGS_OF)

enum rmw_op { OP_MOV, OP_AND, OP_OR, OP_XOR, OP_XCHG, OP_CMPXCHG,
	      OP_BTS, OP_BTR, OP_BTC };

struct ptwr {
	enum rmw_op op;
	unsigned int size;		/* operand bytes: 1, 2, 4, 8 */
	uint64_t src;			/* register or immediate operand */
	int reg;			/* register operand number, or -1 */
	bool high_byte;			/* AH/CH/DH/BH */
};

/* The L1 frame at the end of a RO mapping of addr, if addr is one. */
static struct page_info *target_l1(struct vcpu *v, unsigned long addr)
{
	struct page_info *map_l1 = pv_guest_l1_for(v, addr);
	struct page_info *pg;
	pte_t e;

	if (!map_l1)
		return NULL;
	e = ((pte_t *)page_to_virt(map_l1))[pt_index(addr, 1)];
	if (!(e & PTE_P) || (e & PTE_RW) || !mfn_is_ram(pte_mfn(e)))
		return NULL;
	pg = mfn_to_page(pte_mfn(e));
	if (pg->owner != v->domain ||
	    (pg->type_info & PGT_type_mask) != PGT_l1_page_table ||
	    !(pg->type_info & PGT_count_mask) ||
	    !(pg->type_info & PGT_validated))
		return NULL;
	return pg;
}

static uint64_t size_mask(unsigned int size)
{
	return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static uint64_t read_reg(struct cpu_regs *regs, const struct ptwr *w)
{
	uint64_t v = *insn_gpr(regs, w->high_byte ? w->reg - 4 : w->reg);

	return (w->high_byte ? v >> 8 : v) & size_mask(w->size);
}

/* Write a register the way a w->size-wide result does. */
static void write_reg(struct cpu_regs *regs, const struct ptwr *w, int reg,
		      bool high, uint64_t val)
{
	uint64_t *r = insn_gpr(regs, high ? reg - 4 : reg);

	switch (w->size) {
	case 8:
		*r = val;
		break;
	case 4:
		*r = (uint32_t)val;	/* 32-bit writes zero-extend */
		break;
	case 2:
		*r = (*r & ~0xffffULL) | (val & 0xffff);
		break;
	default:
		if (high)
			*r = (*r & ~0xff00ULL) | ((val & 0xff) << 8);
		else
			*r = (*r & ~0xffULL) | (val & 0xff);
	}
}

static bool parity_even(uint8_t b)
{
	return !__builtin_parity(b);
}

/* Flags of a logic result (CF and OF clear). */
static void set_logic_flags(struct cpu_regs *regs, uint64_t res,
			    unsigned int size)
{
	regs->rflags &= ~FLAGS_ARITH;
	if (!(res & size_mask(size)))
		regs->rflags |= RFLAGS_ZF;
	if (res & (1ULL << (size * 8 - 1)))
		regs->rflags |= RFLAGS_SF;
	if (parity_even(res))
		regs->rflags |= RFLAGS_PF;
}

/* Flags of "a - b" as CMPXCHG computes them. */
static void set_sub_flags(struct cpu_regs *regs, uint64_t a, uint64_t b,
			  unsigned int size)
{
	uint64_t m = size_mask(size), res = (a - b) & m;
	uint64_t sign = 1ULL << (size * 8 - 1);

	a &= m;
	b &= m;
	set_logic_flags(regs, res, size);
	if (a < b)
		regs->rflags |= RFLAGS_CF;
	if ((a ^ b) & (a ^ res) & sign)
		regs->rflags |= RFLAGS_OF;
	if ((a ^ b ^ res) & 0x10)
		regs->rflags |= RFLAGS_AF;
}

static unsigned int operand_size(const struct insn *in, int op)
{
	if (!(op & 1))
		return 1;	/* the byte forms have even opcodes */
	if (in->rex & 8)
		return 8;
	return in->opsize16 ? 2 : 4;
}

static int read_imm(struct insn *in, unsigned int bytes, uint64_t *v)
{
	int64_t s = 0;

	if (in->pos + bytes > in->len)
		return -1;
	switch (bytes) {
	case 1: s = (int8_t)in->bytes[in->pos]; break;
	case 2: { int16_t t; memcpy(&t, &in->bytes[in->pos], 2); s = t; break; }
	default: { int32_t t; memcpy(&t, &in->bytes[in->pos], 4); s = t; }
	}
	in->pos += bytes;
	*v = s;		/* sign-extended, as x86 immediates are */
	return 0;
}

static void set_reg_operand(struct ptwr *w, const struct insn *in, int modrm)
{
	w->reg = modrm_reg(in, modrm);
	w->high_byte = w->size == 1 && !in->rex && w->reg >= 4 && w->reg < 8;
}

/* Decode the faulting instruction into w; false if it is not one of ours. */
static bool decode(struct insn *in, struct cpu_regs *regs, struct ptwr *w)
{
	static const enum rmw_op group1[8] = {
		[1] = OP_OR, [4] = OP_AND, [6] = OP_XOR,
	};
	int op = insn_prefixes(in), modrm;
	unsigned int sub;

	w->reg = -1;
	w->high_byte = false;
	if (op == 0x0f) {
		op = insn_next(in);
		modrm = insn_modrm(in);
		if (op < 0 || modrm < 0 || (modrm >> 6) == 3)
			return false;
		w->size = in->rex & 8 ? 8 : in->opsize16 ? 2 : 4;
		switch (op) {
		case 0xb0: case 0xb1:
			w->op = OP_CMPXCHG;
			w->size = operand_size(in, op);
			set_reg_operand(w, in, modrm);
			w->src = read_reg(regs, w);
			return true;
		case 0xab: case 0xb3: case 0xbb:
			w->op = op == 0xab ? OP_BTS : op == 0xb3 ? OP_BTR :
				OP_BTC;
			set_reg_operand(w, in, modrm);
			w->src = *insn_gpr(regs, w->reg);
			return true;
		case 0xba:
			sub = (modrm >> 3) & 7;
			if (sub < 5)
				return false;	/* bt (4) does not write */
			w->op = sub == 5 ? OP_BTS : sub == 6 ? OP_BTR : OP_BTC;
			if (read_imm(in, 1, &w->src))
				return false;
			w->src &= 0xff;
			return true;
		}
		return false;
	}

	modrm = insn_modrm(in);
	if (op < 0 || modrm < 0 || (modrm >> 6) == 3)
		return false;
	w->size = operand_size(in, op);
	sub = (modrm >> 3) & 7;
	switch (op) {
	case 0x88: case 0x89:
		w->op = OP_MOV;
		break;
	case 0x08: case 0x09:
		w->op = OP_OR;
		break;
	case 0x20: case 0x21:
		w->op = OP_AND;
		break;
	case 0x30: case 0x31:
		w->op = OP_XOR;
		break;
	case 0x86: case 0x87:
		w->op = OP_XCHG;
		break;
	case 0xc6: case 0xc7:
		if (sub)
			return false;
		w->op = OP_MOV;
		return !read_imm(in, w->size == 1 ? 1 : w->size == 2 ? 2 : 4,
				 &w->src);
	case 0x80: case 0x81: case 0x83:
		if (sub != 1 && sub != 4 && sub != 6)
			return false;
		w->op = group1[sub];
		return !read_imm(in, op == 0x81 ? (w->size == 2 ? 2 : 4) : 1,
				 &w->src);
	default:
		return false;
	}
	set_reg_operand(w, in, modrm);
	w->src = read_reg(regs, w);
	return true;
}

bool pv_handle_page_fault(struct vcpu *v, struct cpu_regs *regs,
			  unsigned long addr)
{
	const uint32_t want = PFEC_PRESENT | PFEC_WRITE;
	unsigned int idx = (addr & (PAGE_SIZE - 1)) / sizeof(pte_t);
	unsigned int shift = (addr & 7) * 8;
	struct page_info *l1;
	struct ptwr w;
	struct insn in;
	uint64_t mask, cur, res;
	pte_t old, val;

	if ((regs->error_code & (want | PFEC_RSVD | PFEC_INSN)) != want ||
	    !v->arch.kernel_mode ||
	    !(v->domain->arch.vm_assist &
	      (1UL << VMASST_TYPE_writable_pagetables)))
		return false;
	l1 = target_l1(v, addr);
	if (!l1 || insn_fetch(regs, &in) || !decode(&in, regs, &w))
		return false;
	if ((addr & 7) + w.size > 8)
		return false;	/* straddles two entries */

	mask = size_mask(w.size);
	old = ((pte_t *)page_to_virt(l1))[idx];
	cur = (old >> shift) & mask;
	switch (w.op) {
	case OP_MOV:
	case OP_XCHG:
		res = w.src;
		break;
	case OP_AND:
		res = cur & w.src;
		break;
	case OP_OR:
		res = cur | w.src;
		break;
	case OP_XOR:
		res = cur ^ w.src;
		break;
	case OP_CMPXCHG:
		set_sub_flags(regs, regs->rax, cur, w.size);
		if ((regs->rax & mask) != cur) {
			/* No store: the accumulator gets the current value. */
			write_reg(regs, &w, 0, false, cur);
			regs->rip += in.pos;
			return true;
		}
		res = w.src;
		break;
	default: {			/* bts, btr, btc */
		unsigned int bit = w.src & (w.size * 8 - 1);

		if (w.reg >= 0 && w.src >= w.size * 8)
			return false;	/* bit beyond this entry */
		regs->rflags = (regs->rflags & ~RFLAGS_CF) |
			       ((cur >> bit) & 1 ? RFLAGS_CF : 0);
		res = w.op == OP_BTS ? cur | (1ULL << bit) :
		      w.op == OP_BTR ? cur & ~(1ULL << bit) :
		      cur ^ (1ULL << bit);
	}
	}
	res &= mask;
	val = (old & ~(mask << shift)) | (res << shift);

	if (mod_pt_entry(l1, 1, idx, val, v->domain, false))
		return false;	/* invalid entry: the guest gets the #PF */

	if (w.op == OP_AND || w.op == OP_OR || w.op == OP_XOR)
		set_logic_flags(regs, res, w.size);
	else if (w.op == OP_XCHG)
		write_reg(regs, &w, w.reg, w.high_byte, cur);
	regs->rip += in.pos;
	return true;
}
