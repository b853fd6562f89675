// SPDX-License-Identifier: MIT
/*
 * Power off, restart and halt of the machine: what follows when the
 * control domain shuts down or asks for ACPI S5, or when every domain
 * has ended and the hypervisor was asked to stop then (exit_when_done).
 *
 * The S5 sleep type lives in the DSDT's AML, which only dom0 reads: it
 * hands us the PM1 control values through XENPF_enter_acpi_sleep, as on
 * Xen. Until it has, a power off uses QEMU's values.
 */
#include <tandem/console.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <asm/acpi.h>
#include <asm/processor.h>
#include <asm/reboot.h>
#include <public/platform.h>

#define ACPI_S3			3
#define ACPI_S5			5
#define PM1_SLP_EN		(1U << 13)

/* QEMU's pc and q35 machines: ACPI PM1a control, S5 with SLP_EN. */
#define QEMU_PM1A_CNT		0x604
#define QEMU_S5_SLP_EN		0x2000

static bool s5_known;
static uint16_t s5_pm1a, s5_pm1b;

void machine_halt(void)
{
	printk("machine halted\n");
	local_irq_disable();
	for (;;)
		halt();
}

void machine_power_off(void)
{
	printk("powering the machine off\n");
	local_irq_disable();
	if (s5_known) {
		outw(acpi_info.pm1a_cnt_port, s5_pm1a);
		if (acpi_info.pm1b_cnt_port)
			outw(acpi_info.pm1b_cnt_port, s5_pm1b);
	} else {
		/* Harmless where it is not QEMU: we halt then. */
		outw(QEMU_PM1A_CNT, QEMU_S5_SLP_EN);
	}
	machine_halt();
}

void machine_restart(void)
{
	const struct acpi_gas *r = &acpi_info.reset_reg;

	printk("restarting the machine\n");
	local_irq_disable();
	/* The FADT's reset register, the PCI reset control, the 8042. */
	if (acpi_info.reset_supported && r->space == ACPI_SPACE_IO &&
	    r->address && r->address <= 0xffff)
		outb(r->address, acpi_info.reset_value);
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);
	for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
		cpu_relax();
	outb(0x64, 0xfe);
	machine_halt();
}

int machine_enter_acpi_sleep(const struct xenpf_enter_acpi_sleep *s)
{
	/* Xen 4.17's checks, in its order. */
	if (s->flags & XENPF_ACPI_SLEEP_EXTENDED)
		return -EPERM;		/* no ACPI 5 sleep registers here */
	if (!acpi_info.pm1a_cnt_port)
		return -EPERM;
	if (s->val_b && ((s->val_a ^ s->val_b) & PM1_SLP_EN))
		return -EINVAL;
	if (s->flags)
		return -EINVAL;
	if (s->sleep_state == ACPI_S3) {
		printk("dom0 asked for suspend to RAM (S3): not supported\n");
		return -EOPNOTSUPP;
	}
	if (s->sleep_state != ACPI_S5)
		return -EINVAL;
	printk("dom0 asked for ACPI S5 (PM1 control %#x/%#x)\n", s->val_a,
	       s->val_b);
	s5_pm1a = s->val_a;
	s5_pm1b = s->val_b;
	s5_known = true;
	machine_power_off();
}
