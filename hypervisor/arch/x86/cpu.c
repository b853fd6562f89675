// SPDX-License-Identifier: MIT
/*
 * Identify the boot CPU, check the features we need, and program the
 * control registers and system-call MSRs.
 */
#include <tandem/lib.h>
#include <tandem/params.h>
#include <asm/config.h>
#include <asm/cpu.h>
#include <asm/processor.h>

struct cpu_features boot_cpu;
bool cpu_has_smap;

static bool opt_smap = true;
boolean_param("smap", opt_smap, "use SMAP when the CPU has it");
static bool opt_smep = true;
boolean_param("smep", opt_smep, "use SMEP when the CPU has it");

void cpu_identify(void)
{
	struct cpu_features *c = &boot_cpu;
	struct cpuid_regs r = cpuid(0);
	uint32_t sig;

	c->max_leaf = r.eax;
	memcpy(c->vendor + 0, &r.ebx, 4);
	memcpy(c->vendor + 4, &r.edx, 4);
	memcpy(c->vendor + 8, &r.ecx, 4);
	c->vendor[12] = '\0';

	r = cpuid(1);
	sig = r.eax;
	c->leaf1_ecx = r.ecx;
	c->leaf1_edx = r.edx;
	c->family = (sig >> 8) & 0xf;
	c->model = (sig >> 4) & 0xf;
	if (c->family == 0xf)
		c->family += (sig >> 20) & 0xff;
	if (c->family >= 6)
		c->model |= ((sig >> 16) & 0xf) << 4;
	c->stepping = sig & 0xf;

	if (c->max_leaf >= 7) {
		r = cpuid_count(7, 0);
		c->leaf7_ebx = r.ebx;
		c->leaf7_ecx = r.ecx;
		c->leaf7_edx = r.edx;
	}

	r = cpuid(0x80000000);
	c->max_ext_leaf = r.eax;
	if (c->max_ext_leaf >= 0x80000001) {
		r = cpuid(0x80000001);
		c->ext1_ecx = r.ecx;
		c->ext1_edx = r.edx;
	}
	if (c->max_ext_leaf >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++) {
			r = cpuid(0x80000002 + i);
			memcpy(c->brand + 16 * i, &r, 16);
		}
		c->brand[48] = '\0';
	}
	c->phys_addr_bits = 36;
	if (c->max_ext_leaf >= 0x80000008)
		c->phys_addr_bits = cpuid(0x80000008).eax & 0xff;
	if (c->max_ext_leaf >= 0x80000007)
		c->invariant_tsc = cpuid(0x80000007).edx & BIT(8);

	/* Are we a guest ourselves (QEMU, KVM...)? Leaf 0x40000000 says. */
	if (c->leaf1_ecx & BIT(31)) {
		r = cpuid(0x40000000);
		memcpy(c->hypervisor + 0, &r.ebx, 4);
		memcpy(c->hypervisor + 4, &r.ecx, 4);
		memcpy(c->hypervisor + 8, &r.edx, 4);
		c->hypervisor[12] = '\0';
	}

	c->nx = c->ext1_edx & BIT(20);
	c->pdpe1gb = c->ext1_edx & BIT(26);
	c->pge = c->leaf1_edx & BIT(13);
	c->tsc_deadline = c->leaf1_ecx & BIT(24);
	c->x2apic = c->leaf1_ecx & BIT(21);
	c->smep = c->leaf7_ebx & BIT(7);
	c->smap = c->leaf7_ebx & BIT(20);
}

static void require(bool have, const char *what)
{
	if (!have)
		panic("this CPU lacks %s, which Tandem requires", what);
}

void cpu_init(void)
{
	struct cpu_features *c = &boot_cpu;
	unsigned long cr4;

	require(c->leaf1_edx & BIT(4), "TSC");
	require(c->leaf1_edx & BIT(9), "a local APIC");
	require(c->leaf1_edx & BIT(24), "FXSAVE");
	require(c->leaf1_edx & BIT(26), "SSE2");
	require(c->ext1_edx & BIT(11), "SYSCALL");
	require(c->nx, "the NX bit");
	require(c->pge, "global pages");

	cr4 = read_cr4() | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (c->smep && opt_smep)
		cr4 |= CR4_SMEP;
	/*
	 * QEMU's TCG accelerator reads IRET's stack with supervisor rights,
	 * so with SMAP on, a guest kernel's own IRET at ring 3 faults. Real
	 * hardware (and KVM) do not: use SMAP there only.
	 */
	if (c->smap && opt_smap && !strcmp(c->hypervisor, "TCGTCGTCGTCG")) {
		pr_warn("SMAP not used: QEMU TCG applies it to ring-3 IRET "
			"stack reads, which breaks PV guest kernels\n");
	} else if (c->smap && opt_smap) {
		cr4 |= CR4_SMAP;
		cpu_has_smap = true;
	}
	write_cr4(cr4);

	/* No x87/SSE in the hypervisor: guests' state stays in the FPU. */
	write_cr0((read_cr0() | CR0_MP | CR0_NE | CR0_WP) & ~(CR0_EM | CR0_TS));

	wrmsr(MSR_PAT, HV_PAT_VALUE);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
}
