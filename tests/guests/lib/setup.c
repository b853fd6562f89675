// SPDX-License-Identifier: MIT
/*
 * guest_main: bring the runtime up (shared_info, per-vCPU data, page
 * tables, traps and callbacks, events, console) and run the suite.
 */
#include "test.h"

struct start_info *start_info;
struct shared_info *shared_info;
bool privileged;
struct cpu cpus[MAX_CPUS];
uint8_t initial_upcall_mask;

static uint8_t shared_info_page[PAGE_SIZE] __aligned(PAGE_SIZE);

/* Find "key=value" (or "word" when key_len covers it all) in cmd_line. */
static const char *cmdline_find(const char *key, size_t key_len)
{
	const char *p = (const char *)start_info->cmd_line;
	const char *end = p + strnlen(p, MAX_GUEST_CMDLINE);

	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		if ((size_t)(end - p) >= key_len &&
		    !strncmp(p, key, key_len) &&
		    (p + key_len == end || p[key_len] == ' ' ||
		     p[key_len] == '='))
			return p + key_len;
		while (p < end && *p != ' ')
			p++;
	}
	return NULL;
}

bool cmdline_get(const char *key, char *buf, size_t len)
{
	const char *v = cmdline_find(key, strlen(key));
	size_t n = 0;

	if (!v || *v != '=')
		return false;
	for (v++; *v && *v != ' ' && n + 1 < len; v++)
		buf[n++] = *v;
	buf[n] = '\0';
	return true;
}

unsigned long cmdline_ulong(const char *key, unsigned long def)
{
	char buf[32];

	if (!cmdline_get(key, buf, sizeof(buf)))
		return def;
	return simple_strtoull(buf, NULL, 0);
}

bool cmdline_has(const char *word)
{
	const char *v = cmdline_find(word, strlen(word));

	return v && *v != '=';
}

int cpu_init(unsigned int id)
{
	struct cpu *c = &cpus[id];

	c->self = c;
	c->id = id;
	c->vcpu_info = &shared_info->vcpu_info[id];
	return hv_set_segment_base(SEGBASE_GS_KERNEL, (unsigned long)c);
}

#ifdef USE_HYPERCALL_PAGE
/* Before anything else: did the builder fill in the hypercall page? */
static void check_hypercall_page(void)
{
	static const char msg[] =
		"TANDEM-TEST boot setup FAIL hypercall page not filled\n";

	if (hypercall_page[0] != 0xcc)
		return;
	/* Report through a raw SYSCALL hypercall, then crash. */
	asm volatile("syscall"
		     :: "a"(__HYPERVISOR_console_io), "D"(CONSOLEIO_write),
			"S"(sizeof(msg) - 1), "d"(msg)
		     : "rcx", "r11", "memory");
	asm volatile("syscall"
		     :: "a"(__HYPERVISOR_sched_op), "D"(SCHEDOP_shutdown),
			"S"(&(struct sched_shutdown){ SHUTDOWN_crash })
		     : "rcx", "r11", "memory");
	for (;;)
		;
}
#endif

void __noreturn guest_main(struct start_info *si);
void __noreturn guest_main(struct start_info *si)
{
	unsigned int i;
	long rc;

	start_info = si;
#ifdef USE_HYPERCALL_PAGE
	check_hypercall_page();
#endif
	privileged = si->flags & SIF_PRIVILEGED;

	rc = hv_update_va_mapping((unsigned long)shared_info_page,
				  si->shared_info | PTE_KERN_RW, UVMF_INVLPG);
	if (rc)
		panic("cannot map shared_info %#lx: %ld", si->shared_info, rc);
	shared_info = (struct shared_info *)shared_info_page;
	initial_upcall_mask = shared_info->vcpu_info[0].evtchn_upcall_mask;
	rc = cpu_init(0);
	if (rc)
		panic("set_segment_base(GS_KERNEL) failed: %ld", rc);

	if (suite.early)
		suite.early();
	mm_init();
	/* Catch NULL dereferences: VA 0 is mapped by the builder. */
	unmap_va(0);
	traps_init();
	events_init();
	pvcons_init();

	printk("# %s: start_info %p nr_pages %lu flags %#x cmdline \"%s\"\n",
	       suite_name(), si, si->nr_pages, si->flags,
	       (const char *)si->cmd_line);

	if (suite.init)
		suite.init();
	for (i = 0; i < suite.nr_cases; i++)
		run_case(suite.cases[i].name, suite.cases[i].fn);
	suite_finish(suite.shutdown);
}
