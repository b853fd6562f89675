// SPDX-License-Identifier: MIT
/*
 * Writable page tables: a PV kernel that enabled the assist may write its
 * L1 tables directly even though they are mapped read-only. The write
 * faults; we decode it, validate the new entry like mmu_update would, do
 * it, and step over the instruction. Only 8-byte stores of the forms
 * compilers emit for PTE updates are handled: mov, xchg, lock cmpxchg.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <asm/insn.h>
#include <asm/pagetable.h>
#include <asm/pv.h>

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

bool pv_handle_page_fault(struct vcpu *v, struct cpu_regs *regs,
			  unsigned long addr)
{
	const uint32_t want = PFEC_PRESENT | PFEC_WRITE;
	unsigned int idx = (addr & (PAGE_SIZE - 1)) / sizeof(pte_t);
	struct page_info *l1;
	struct insn in;
	uint64_t val, *reg = NULL;
	pte_t old;
	int op, modrm;

	if ((regs->error_code & (want | PFEC_RSVD | PFEC_INSN)) != want ||
	    !v->arch.kernel_mode || (addr & 7) ||
	    !(v->domain->arch.vm_assist &
	      (1UL << VMASST_TYPE_writable_pagetables)))
		return false;
	l1 = target_l1(v, addr);
	if (!l1 || insn_fetch(regs, &in))
		return false;
	op = insn_prefixes(&in);
	if (!(in.rex & 8))
		return false;		/* 64-bit operand size only */
	old = ((pte_t *)page_to_virt(l1))[idx];

	switch (op) {
	case 0x89:			/* mov r/m64, r64 */
	case 0x87:			/* xchg r/m64, r64 */
		modrm = insn_modrm(&in);
		if (modrm < 0 || (modrm >> 6) == 3)
			return false;
		reg = insn_gpr(regs, modrm_reg(&in, modrm));
		val = *reg;
		break;
	case 0xc7: {			/* mov r/m64, imm32 */
		int32_t imm;

		modrm = insn_modrm(&in);
		if (modrm < 0 || (modrm >> 6) == 3 || ((modrm >> 3) & 7) ||
		    in.pos + 4 > in.len)
			return false;
		memcpy(&imm, &in.bytes[in.pos], 4);
		in.pos += 4;
		val = (int64_t)imm;
		break;
	}
	case 0x0f:			/* lock cmpxchg r/m64, r64 */
		if (insn_next(&in) != 0xb1)
			return false;
		modrm = insn_modrm(&in);
		if (modrm < 0 || (modrm >> 6) == 3)
			return false;
		if (regs->rax != old) {
			regs->rax = old;
			regs->rflags &= ~RFLAGS_ZF;
			regs->rip += in.pos;
			return true;
		}
		val = *insn_gpr(regs, modrm_reg(&in, modrm));
		regs->rflags |= RFLAGS_ZF;
		break;
	default:
		return false;
	}

	if (mod_pt_entry(l1, 1, idx, val, v->domain, false))
		return false;	/* invalid entry: the guest gets the #PF */
	if (op == 0x87)
		*reg = old;
	regs->rip += in.pos;
	return true;
}
