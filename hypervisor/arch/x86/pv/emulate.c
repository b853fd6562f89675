// SPDX-License-Identifier: MIT
/*
 * Emulation of the few privileged instructions a PV kernel still issues
 * (they fault with #GP(0) at ring 3), of CPUID behind the forced-emulation
 * prefix (which raises #UD), and the CPUID policy guests see.
 *
 * Only the guest kernel gets emulation; guest user mode gets the fault.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <tandem/sched.h>
#include <tandem/version.h>
#include <asm/cpu.h>
#include <asm/insn.h>
#include <asm/ioports.h>
#include <asm/processor.h>
#include <asm/pv.h>

/* ---- CPUID policy --------------------------------------------------------- */

#define XEN_CPUID_BASE		0x40000000

/*
 * The features a PV guest may see, as whitelists per CPUID word: what the
 * Xen ABI offers PV guests, minus what Tandem does not virtualize (XSAVE
 * and every extension that needs its state, FSGSBASE, TSX, machine
 * checks and the speculation-control MSRs). Large pages (PSE), global pages, MTRRs and
 * VME are never a PV guest's: it must not try to use them.
 */
#define L1_EDX_PV	0x1fc98b75	/* FPU DE TSC MSR PAE CX8 APIC SEP
					   CMOV PAT CLFLUSH ACPI MMX FXSR
					   SSE SSE2 SS HTT */
#define L1_ECX_PV	0xc2f82203	/* SSE3 PCLMULQDQ SSSE3 CX16 SSE4.1/2
					   X2APIC MOVBE POPCNT AESNI RDRAND
					   HYPERVISOR */
#define EXT1_EDX_PV	(0xea500800 | (L1_EDX_PV & 0x0183f3ff))
#define EXT1_ECX_PV	0x042001e3	/* LAHF_LM CMP_LEGACY ABM SSE4A
					   MISALIGNSSE 3DNOWPREFETCH TBM
					   DBEXT */
#define L7_EBX_PV	0x218c0308	/* BMI1 BMI2 ERMS RDSEED ADX
					   CLFLUSHOPT CLWB SHA */
#define L7_ECX_PV	0x02400101	/* PREFETCHWT1 GFNI RDPID CLDEMOTE */
#define L7_EDX_PV	0x00004410	/* FSRM MD_CLEAR SERIALIZE */
#define EXT8_EBX_PV	0x0c000005	/* CLZERO RSTR_FP_ERR_PTRS SSB_NO
					   BTC_NO */

void pv_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t res[4])
{
	struct cpuid_regs r = { 0, 0, 0, 0 };

	if (leaf >= XEN_CPUID_BASE && leaf < XEN_CPUID_BASE + 0x10000) {
		switch (leaf) {
		case XEN_CPUID_BASE:
			r.eax = XEN_CPUID_BASE + 2;
			memcpy(&r.ebx, "XenV", 4);
			memcpy(&r.ecx, "MMXe", 4);
			memcpy(&r.edx, "nVMM", 4);
			break;
		case XEN_CPUID_BASE + 1:
			r.eax = (ABI_VERSION_MAJOR << 16) | ABI_VERSION_MINOR;
			break;
		case XEN_CPUID_BASE + 2:
			r.eax = 1;		/* hypercall pages */
			r.ebx = XEN_CPUID_BASE;	/* the (HVM) page MSR */
			r.ecx = 1;		/* MMU_PT_UPDATE_PRESERVE_AD */
			break;
		}
		goto out;
	}

	r = cpuid_count(leaf, sub);
	switch (leaf) {
	case 0:
		r.eax = MIN(r.eax, 0xdU);
		break;
	case 1:
		r.ecx = (r.ecx & L1_ECX_PV) | BIT(31);	/* hypervisor */
		r.edx &= L1_EDX_PV;
		r.ebx = (r.ebx & 0x00ffffff) | (v->vcpu_id << 24);
		break;
	case 5: case 6: case 0xa: case 0xd:
		r = (struct cpuid_regs){ 0, 0, 0, 0 };
		break;
	case 7:
		if (sub == 0) {
			r.eax = 0;
			r.ebx &= L7_EBX_PV;
			r.ecx &= L7_ECX_PV;
			r.edx &= L7_EDX_PV;
		} else {
			r = (struct cpuid_regs){ 0, 0, 0, 0 };
		}
		break;
	case 0x80000001:
		r.ecx &= EXT1_ECX_PV;
		r.edx &= EXT1_EDX_PV;
		break;
	case 0x80000007:
		r.edx &= BIT(8);	/* invariant TSC only */
		r.eax = r.ebx = r.ecx = 0;
		break;
	case 0x80000008:
		r.ebx &= EXT8_EBX_PV;
		break;
	case 0x8000000a:
		r = (struct cpuid_regs){ 0, 0, 0, 0 };
		break;
	}
out:
	res[0] = r.eax;
	res[1] = r.ebx;
	res[2] = r.ecx;
	res[3] = r.edx;
}

static void emulate_cpuid(struct vcpu *v, struct cpu_regs *regs)
{
	uint32_t res[4];

	pv_cpuid(v, regs->rax, regs->rcx, res);
	regs->rax = res[0];
	regs->rbx = res[1];
	regs->rcx = res[2];
	regs->rdx = res[3];
}

/* #UD: "ud2; .ascii "xen"" followed by cpuid asks us to emulate it. */
bool pv_emulate_forced_op(struct cpu_regs *regs)
{
	static const uint8_t prefix[] = { XEN_EMULATE_PREFIX_BYTES };
	struct vcpu *v = current;
	uint8_t b[sizeof(prefix) + 2];

	if (copy_from_guest(b, regs->rip, sizeof(b)) ||
	    memcmp(b, prefix, sizeof(prefix)))
		return false;
	if (b[5] != 0x0f || b[6] != 0xa2)
		return false;	/* only CPUID may follow the prefix */
	emulate_cpuid(v, regs);
	regs->rip += sizeof(b);
	return true;
}

/* ---- control and debug registers ----------------------------------------- */

static bool read_cr(struct vcpu *v, unsigned int cr, uint64_t *val)
{
	switch (cr) {
	case 0:
		*val = (read_cr0() & ~CR0_TS) |
		       (v->arch.fpu_virtual_ts ? CR0_TS : 0);
		return true;
	case 2:
		*val = v->vcpu_info->arch.cr2;
		return true;
	case 3:
		*val = xen_pfn_to_cr3(v->arch.guest_table);
		return true;
	case 4:
		*val = v->arch.vcr4;
		return true;
	case 8:
		*val = 0;
		return true;
	}
	return false;
}

static bool write_cr(struct vcpu *v, unsigned int cr, uint64_t val)
{
	switch (cr) {
	case 0:
		/* Only TS is the guest's to change. */
		if ((val ^ read_cr0()) & ~(uint64_t)CR0_TS)
			pr_once(LOG_WARN, "%s: CR0 write %#lx: only TS honoured\n",
				v->domain->name, val);
		do_fpu_taskswitch(!!(val & CR0_TS));
		return true;
	case 3:
		return !pv_set_kernel_base_table(v, xen_cr3_to_pfn(val));
	case 4:
		/* A virtual CR4: remembered, not applied. */
		v->arch.vcr4 = val;
		return true;
	case 8:
		return true;
	}
	return false;
}

/* ---- MSRs ------------------------------------------------------------------ */

static bool read_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case MSR_FS_BASE:
		*val = rdmsr(MSR_FS_BASE);
		return true;
	case MSR_GS_BASE:
		*val = rdmsr(MSR_GS_BASE);
		return true;
	case MSR_KERNEL_GS_BASE:
		*val = rdmsr(MSR_KERNEL_GS_BASE);
		return true;
	case MSR_EFER:
		*val = rdmsr(MSR_EFER);
		return true;
	case MSR_PAT:
		*val = HV_PAT_VALUE;
		return true;
	case MSR_APIC_BASE:
		*val = 0xfee00000 | BIT(11) | (v->vcpu_id ? 0 : BIT(8));
		return true;
	case MSR_MISC_ENABLE:
		/* Fast strings; no branch-trace or PEBS facilities. */
		*val = BIT(0) | BIT(11) | BIT(12);
		return true;
	case MSR_TSC:
		*val = rdtsc();
		return true;
	case MSR_TSC_AUX:
		*val = rdmsr(MSR_TSC_AUX);
		return true;
	}
	return false;
}

static bool write_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_FS_BASE:
		return !do_set_segment_base(SEGBASE_FS, val);
	case MSR_GS_BASE:
		return !do_set_segment_base(v->arch.kernel_mode ?
					    SEGBASE_GS_KERNEL :
					    SEGBASE_GS_USER, val);
	case MSR_KERNEL_GS_BASE:
		return !do_set_segment_base(SEGBASE_GS_USER, val);
	case MSR_EFER:
	case MSR_PAT:
	case MSR_MISC_ENABLE:
		/* Accept rewriting the value we report; nothing else. */
		{
			uint64_t cur;

			return read_msr(v, msr, &cur) && cur == val;
		}
	case MSR_TSC_AUX:
		wrmsr(MSR_TSC_AUX, (uint32_t)val);
		return true;
	}
	return false;
}

/* ---- I/O ports --------------------------------------------------------- */

/*
 * Port access from the guest kernel. Dom0 reaches the hardware, except
 * the ports the hypervisor itself drives; other domains see an empty bus
 * once they have raised their virtual IOPL (reads all ones, writes lost).
 */
static bool guest_io(struct vcpu *v, bool in, uint16_t port, unsigned int size,
		     uint64_t *val)
{
	struct domain *d = v->domain;

	if (v->arch.iopl < 1)
		return false;
	if (!d->is_privileged || ioport_is_hypervisors(port, size)) {
		if (in)
			*val = size == 4 ? 0xffffffff : size == 2 ? 0xffff : 0xff;
		return true;
	}
	if (in) {
		*val = size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
	} else if (size == 1) {
		outb(port, *val);
	} else if (size == 2) {
		outw(port, *val);
	} else {
		outl(port, *val);
	}
	return true;
}

static bool emulate_io(struct vcpu *v, struct cpu_regs *regs,
		       struct insn *in, int op)
{
	unsigned int size = (op & 1) ? (in->opsize16 ? 2 : 4) : 1;
	bool is_in = !(op & 2);
	uint16_t port;
	uint64_t val;

	if ((op & 0xf8) == 0xe0) {	/* imm8 port */
		int p = insn_next(in);

		if (p < 0)
			return false;
		port = p;
	} else {
		port = regs->rdx;
	}
	val = regs->rax;
	if (!guest_io(v, is_in, port, size, &val))
		return false;
	if (is_in) {
		uint64_t mask = size == 4 ? 0xffffffffULL :
				size == 2 ? 0xffffULL : 0xffULL;

		/* 32-bit results zero-extend; narrower ones merge. */
		regs->rax = size == 4 ? (uint32_t)val :
			    (regs->rax & ~mask) | (val & mask);
	}
	return true;
}

/*
 * INS and OUTS, with or without REP (dom0's IDE driver moves its PIO data
 * this way). At most STRING_IO_BATCH elements per trap: a longer REP
 * leaves RIP on the instruction, which traps again to go on, as an
 * interrupted string instruction does on hardware. Returns 0 when done,
 * 1 when the guest must come back (more to do, or a #PF injected), or
 * -1 to refuse (#GP).
 */
#define STRING_IO_BATCH		1024

static int emulate_string_io(struct vcpu *v, struct cpu_regs *regs,
			     struct insn *in, int op)
{
	unsigned int size = (op & 1) ? (in->opsize16 ? 2 : 4) : 1;
	bool is_in = op < 0x6e;
	long step = (regs->rflags & RFLAGS_DF) ? -(long)size : (long)size;
	uint64_t count = in->rep ? regs->rcx : 1;
	uint16_t port = regs->rdx;
	unsigned int n;
	uint64_t val;

	/* 32-bit addressing and based segments: nothing Linux does. */
	if (in->addr32 || in->fs_gs)
		return -1;
	for (n = 0; count && n < STRING_IO_BATCH; n++, count--) {
		if (is_in) {
			if (!guest_io(v, true, port, size, &val))
				return -1;
			if (copy_to_guest(regs->rdi, &val, size)) {
				pv_inject_page_fault(v, regs->rdi, PFEC_WRITE);
				break;
			}
			regs->rdi += step;
		} else {
			val = 0;
			if (copy_from_guest(&val, regs->rsi, size)) {
				pv_inject_page_fault(v, regs->rsi, 0);
				break;
			}
			if (!guest_io(v, false, port, size, &val))
				return -1;
			regs->rsi += step;
		}
	}
	if (in->rep)
		regs->rcx = count;
	return count ? 1 : 0;
}

/* ---- the #GP(0) dispatcher -------------------------------------------------- */

bool pv_emulate_privileged_op(struct cpu_regs *regs)
{
	struct vcpu *v = current;
	struct insn in;
	int op, modrm;
	uint64_t val;

	if (!v->arch.kernel_mode || insn_fetch(regs, &in))
		return false;
	op = insn_prefixes(&in);

	switch (op) {
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:
	case 0xec: case 0xed: case 0xee: case 0xef:
		if (!emulate_io(v, regs, &in, op))
			return false;
		goto done;
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:
		switch (emulate_string_io(v, regs, &in, op)) {
		case 0:
			goto done;
		case 1:
			return true;	/* RIP stays: more to do, or a #PF */
		default:
			return false;
		}
	case 0xf4:		/* hlt: the guest wants to idle */
		v->vcpu_info->evtchn_upcall_mask = 0;
		vcpu_block();
		goto done;
	case 0xfa:		/* cli / sti: the virtual interrupt flag */
	case 0xfb:
		if (v->arch.iopl < 1)
			return false;
		v->vcpu_info->evtchn_upcall_mask = op == 0xfa;
		goto done;
	case 0x0f:
		break;
	default:
		return false;
	}

	op = insn_next(&in);
	switch (op) {
	case 0x06:		/* clts */
		do_fpu_taskswitch(0);
		goto done;
	case 0x08:		/* invd */
	case 0x09:		/* wbinvd */
		if (v->domain->is_privileged)
			__asm__ __volatile__("wbinvd" : : : "memory");
		goto done;
	case 0x30:		/* wrmsr */
		if (!write_msr(v, regs->rcx, (regs->rdx << 32) |
			       (uint32_t)regs->rax))
			return false;
		goto done;
	case 0x32:		/* rdmsr */
		if (!read_msr(v, regs->rcx, &val))
			return false;
		regs->rax = (uint32_t)val;
		regs->rdx = val >> 32;
		goto done;
	case 0x20: case 0x22:	/* mov cr */
	case 0x21: case 0x23: {	/* mov dr */
		unsigned int reg, rm;

		modrm = insn_next(&in);
		if (modrm < 0 || (modrm >> 6) != 3)
			return false;
		reg = modrm_reg(&in, modrm);
		rm = modrm_rm(&in, modrm);
		if (op == 0x20) {
			if (!read_cr(v, reg, insn_gpr(regs, rm)))
				return false;
		} else if (op == 0x22) {
			if (!write_cr(v, reg, *insn_gpr(regs, rm)))
				return false;
		} else if (op == 0x21) {
			if (reg > 7)
				return false;
			*insn_gpr(regs, rm) = do_get_debugreg(reg);
		} else if (do_set_debugreg(reg, *insn_gpr(regs, rm))) {
			return false;
		}
		goto done;
	}
	default:
		return false;
	}
done:
	regs->rip += in.pos;
	return true;
}
