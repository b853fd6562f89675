// SPDX-License-Identifier: MIT
/*
 * Power off, restart and halt of the machine: what follows when the
 * control domain shuts down, or when every domain has ended and the
 * hypervisor was asked to stop then (exit_when_done).
 */
#include <tandem/console.h>
#include <tandem/lib.h>
#include <asm/processor.h>
#include <asm/reboot.h>

/* QEMU's pc and q35 machines: ACPI PM1a control, S5 with SLP_EN. */
#define QEMU_PM1A_CNT	0x604
#define QEMU_S5_SLP_EN	0x2000

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
	/*
	 * Without the sleep-type values dom0 reads from the DSDT we only
	 * know how QEMU's machines power off; elsewhere this write is
	 * harmless and we halt.
	 */
	outw(QEMU_PM1A_CNT, QEMU_S5_SLP_EN);
	machine_halt();
}

void machine_restart(void)
{
	printk("restarting the machine\n");
	local_irq_disable();
	/* PCI reset control register, then the keyboard controller. */
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);
	for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
		cpu_relax();
	outb(0x64, 0xfe);
	machine_halt();
}
