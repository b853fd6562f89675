// SPDX-License-Identifier: MIT
/*
 * Guest debug registers. DR0-3 may hold breakpoints on guest addresses
 * only; DR7 may not enable general detect or I/O breakpoints. The values
 * are loaded while the vCPU runs and DR7 is cleared when it leaves, so a
 * guest's breakpoints never fire in another domain.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <asm/pv.h>

#define DR6_RESERVED_ONES	0xffff0ff0UL	/* read as 1 */
#define DR6_WRITABLE		0x0000e00fUL	/* B0-3, BD, BS, BT */
#define DR7_RESERVED_ONE	0x00000400UL
#define DR7_RESERVED_ZERO	0x0000d800UL
#define DR7_GENERAL_DETECT	0x00002000UL
#define DR7_ENABLES		0x000000ffUL

#define DEFINE_DR_ACCESS(n)						\
static void write_dr##n(unsigned long v)				\
{									\
	__asm__ __volatile__("mov %0, %%db" #n : : "r"(v));		\
}									\
static unsigned long __unused read_dr##n(void)				\
{									\
	unsigned long v;						\
	__asm__ __volatile__("mov %%db" #n ", %0" : "=r"(v));		\
	return v;							\
}
DEFINE_DR_ACCESS(0)
DEFINE_DR_ACCESS(1)
DEFINE_DR_ACCESS(2)
DEFINE_DR_ACCESS(3)
DEFINE_DR_ACCESS(6)
DEFINE_DR_ACCESS(7)
#undef DEFINE_DR_ACCESS

static void load_breakpoint(unsigned int reg, unsigned long v)
{
	switch (reg) {
	case 0: write_dr0(v); break;
	case 1: write_dr1(v); break;
	case 2: write_dr2(v); break;
	case 3: write_dr3(v); break;
	}
}

/* Negative errno as Xen: -ENODEV no such register, -EINVAL/-EPERM bits. */
long do_set_debugreg(int reg, unsigned long value)
{
	struct vcpu *v = current;
	bool de = v->arch.vcr4 & CR4_DE;

	switch (reg) {
	case 0: case 1: case 2: case 3:
		if (value && !guest_range_ok(value, 1))
			return -EPERM;
		v->arch.debugreg[reg] = value;
		load_breakpoint(reg, value);
		return 0;
	case 4:
		if (de)
			return -ENODEV;
		/* Without CR4.DE, DR4 is DR6. */
		fallthrough;
	case 6:
		if (value != (uint32_t)value)
			return -EINVAL;
		value = (value & DR6_WRITABLE) | DR6_RESERVED_ONES;
		v->arch.debugreg[6] = value;
		write_dr6(value);
		return 0;
	case 5:
		if (de)
			return -ENODEV;
		/* Without CR4.DE, DR5 is DR7. */
		fallthrough;
	case 7:
		if (value != (uint32_t)value)
			return -EINVAL;
		value = (value & ~DR7_RESERVED_ZERO) | DR7_RESERVED_ONE;
		if (value & DR7_GENERAL_DETECT)
			return -EPERM;
		/* R/W = 10b is an I/O breakpoint: not for guests. */
		for (unsigned int i = 16; i < 32; i += 4)
			if (((value >> i) & 3) == 2 && (value & DR7_ENABLES))
				return -EPERM;
		v->arch.debugreg[7] = value;
		write_dr7(value);
		return 0;
	default:
		return -ENODEV;
	}
}

unsigned long do_get_debugreg(int reg)
{
	struct vcpu *v = current;

	switch (reg) {
	case 0: case 1: case 2: case 3: case 6: case 7:
		return v->arch.debugreg[reg];
	case 4: case 5:
		if (v->arch.vcr4 & CR4_DE)
			return -ENODEV;
		return v->arch.debugreg[reg + 2];
	default:
		return -ENODEV;
	}
}

void debugreg_switch_out(struct vcpu *v)
{
	if (v->arch.debugreg[7] & DR7_ENABLES)
		write_dr7(DR7_RESERVED_ONE);
}

void debugreg_switch_in(struct vcpu *v)
{
	const unsigned long *dr = v->arch.debugreg;

	if (!(dr[7] & DR7_ENABLES))
		return;
	for (unsigned int i = 0; i < 4; i++)
		load_breakpoint(i, dr[i]);
	write_dr6(dr[6] ? dr[6] : DR6_RESERVED_ONES);
	write_dr7(dr[7]);
}

/*
 * A #DB: record what the CPU reports for the guest (it reads DR6 through
 * get_debugreg) and reset DR6 for the next one.
 */
void debugreg_note_trap(struct vcpu *v)
{
	v->arch.debugreg[6] = read_dr6();
	write_dr6(DR6_RESERVED_ONES);
}
