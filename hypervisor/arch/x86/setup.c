// SPDX-License-Identifier: MIT
/*
 * start_hypervisor: the C entry point, called on cpu0's stack with the
 * early page tables of head.S. Brings the machine up in order, builds the
 * boot-time domains and enters the scheduler.
 */
#include <tandem/bootinfo.h>
#include <tandem/console.h>
#include <tandem/dom_build.h>
#include <tandem/domain.h>
#include <tandem/lib.h>
#include <tandem/mm.h>
#include <tandem/params.h>
#include <tandem/sched.h>
#include <tandem/softirq.h>
#include <tandem/timer.h>
#include <tandem/version.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/context.h>
#include <asm/cpu.h>
#include <asm/desc.h>
#include <asm/io_apic.h>
#include <asm/irq.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/reboot.h>
#include <asm/time.h>
#include <asm/traps.h>

void start_hypervisor(uint32_t mbi_phys);

extern char _start[], _end[];

struct pcpu pcpu0;

static bool opt_exit_when_done;
boolean_param("exit_when_done", opt_exit_when_done,
	      "power the machine off when every domain has ended");

static const char *const mem_type_names[] = {
	[MEM_RAM] = "RAM", [MEM_RESERVED] = "reserved", [MEM_ACPI] = "ACPI",
	[MEM_NVS] = "ACPI NVS", [MEM_UNUSABLE] = "unusable",
};

static void print_memory_map(void)
{
	uint64_t ram = 0;

	printk("memory map:\n");
	for (unsigned int i = 0; i < boot_info.nr_mem; i++) {
		const struct mem_region *r = &boot_info.mem[i];

		printk("  %016lx - %016lx  %s\n", r->start,
		       r->start + r->size, mem_type_names[r->type]);
		if (r->type == MEM_RAM)
			ram += r->size;
	}
	printk("  %lu MiB of RAM\n", (unsigned long)(ram >> 20));
}

static void print_cpu(void)
{
	const struct cpu_features *c = &boot_cpu;

	printk("cpu: %s family %u model %u stepping %u: %s\n", c->vendor,
	       c->family, c->model, c->stepping,
	       c->brand[0] ? c->brand : "(no brand string)");
	if (c->hypervisor[0])
		printk("cpu: running virtualized (%s)\n", c->hypervisor);
	printk("cpu: %u physical address bits; nx%s%s%s%s%s\n",
	       c->phys_addr_bits, c->pdpe1gb ? " 1g-pages" : "",
	       c->smep ? " smep" : "", c->smap ? " smap" : "",
	       c->invariant_tsc ? " invariant-tsc" : "",
	       c->tsc_deadline ? " tsc-deadline" : "");
}

static void reserve_boot_memory(void)
{
	boot_mem_init();
	/* Firmware and legacy devices live below 1 MiB. */
	boot_mem_reserve(0, 0x100000);
	boot_mem_reserve(virt_to_maddr(_start), virt_to_maddr(_end));
	for (unsigned int i = 0; i < boot_info.nr_mods; i++)
		boot_mem_reserve(boot_info.mods[i].start,
				 boot_info.mods[i].start +
				 boot_info.mods[i].size);
}

static void percpu_init(void)
{
	struct cpu_info *ci = get_cpu_info();
	struct vcpu *idle = xzalloc(sizeof(*idle));

	if (!idle)
		panic("out of memory for the idle vCPU");
	pcpu0.id = 0;
	pcpu0.idle_vcpu = idle;
	ci->pcpu = &pcpu0;
	ci->current_vcpu = idle;
	idle->is_running = true;
	gdt_init_cpu(&pcpu0);
	traps_init();
}

void all_domains_gone(void)
{
	printk("all domains have ended\n");
	if (opt_exit_when_done)
		machine_power_off();
}

static const char *skip_word(const char *s)
{
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return s;
}

void start_hypervisor(uint32_t mbi_phys)
{
	console_init();
	printk("\nTandem hypervisor %s (Xen PV ABI %d.%d)\n", TANDEM_VERSION,
	       ABI_VERSION_MAJOR, ABI_VERSION_MINOR);
	if (multiboot_parse(mbi_phys, &boot_info))
		panic("the boot loader gave no memory map");
	/* The loader puts the image's own path first; options follow. */
	parse_cmdline(skip_word(boot_info.cmdline));
	printk("command line: %s\n", skip_word(boot_info.cmdline));
	if (boot_info.loader[0])
		printk("loaded by: %s\n", boot_info.loader);
	print_memory_map();

	cpu_identify();
	print_cpu();
	cpu_init();

	reserve_boot_memory();
	paging_init();
	heap_init();
	m2p_init();
	printk("heap: %lu MiB free\n", heap_free_pages() >> 8);

	percpu_init();
	time_init();
	apic_init();
	acpi_init();
	io_apic_init();
	irq_init();
	timers_init();
	sched_init();

	build_boot_domains();
	console_start_input();

	printk("starting domains\n");
	domains_started = true;
	if (list_empty(&domain_list))
		all_domains_gone();
	raise_softirq(SOFTIRQ_SCHEDULE);
	reset_stack_and_jump(NULL, idle_loop);
}
