// SPDX-License-Identifier: MIT
/*
 * vcpus: VCPUOP_is_up, the runstate area, register_vcpu_info, and
 * bringing vCPU 1 up with VCPUOP_initialise + VCPUOP_up so that it runs
 * a function on its own stack, then down again. Needs vcpus=2.
 */
#include "lib/test.h"
#include <public/callback.h>

#define AP_STACK_SIZE	(16 * 1024)

static uint8_t ap_stack[AP_STACK_SIZE] __aligned(PAGE_SIZE);
static struct vcpu_guest_context ctxt;
static struct vcpu_runstate_info runstate;
static volatile unsigned int ap_alive;
static volatile unsigned long ap_rsp;
static volatile unsigned int ap_id;

void ap_main(void);
extern char ap_entry[];
asm(".text\n"
    "ap_entry:\n\t"
    "call ap_main\n"
    "1:\tud2\n\t"
    "jmp 1b\n");

/* Runs on vCPU 1: report, then idle until vCPU 0 takes us down. */
void ap_main(void)
{
	unsigned long rsp;

	asm volatile("mov %%rsp, %0" : "=r"(rsp));
	ap_rsp = rsp;
	ap_id = this_cpu()->id;
	traps_reload();
	printk("# vcpus: hello from vCPU %u\n", this_cpu()->id);
	barrier();
	ap_alive = 1;
	for (;;)
		hv_sched_op(SCHEDOP_yield, NULL);
}

static void test_is_up(void)
{
	check_eq(hv_vcpu_op(VCPUOP_is_up, 0, NULL), 1);
	check_eq(hv_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
	check_rc(hv_vcpu_op(VCPUOP_is_up, 99, NULL), -XEN_ENOENT);
	check_rc(hv_vcpu_op(VCPUOP_is_up, 0xffffffff, NULL), -XEN_ENOENT);
	check_rc(hv_vcpu_op(77, 0, NULL), -XEN_ENOSYS);
}

/*
 * time[] holds the completed periods; the current state has run since
 * state_entry_time (how Linux reads it too).
 */
static uint64_t running_total(const volatile struct vcpu_runstate_info *r)
{
	uint64_t t = r->time[RUNSTATE_running];

	if (r->state == RUNSTATE_running)
		t += now_ns() - r->state_entry_time;
	return t;
}

static void test_runstate(void)
{
	struct vcpu_register_runstate_memory_area area = {
		.addr.h = (uint64_t)&runstate,
	};
	struct vcpu_runstate_info info;
	uint64_t before, t;

	check_rc(hv_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &area),
		 0);
	check_eq(runstate.state, RUNSTATE_running);
	before = running_total(&runstate);
	check(before > 0 && runstate.state_entry_time <= now_ns(),
	      "running %lu ns, entered at %lu", before,
	      runstate.state_entry_time);
	spin_ns(20000000);
	t = running_total(&runstate);
	check(t >= before + 20000000, "running time grew by %lu ns in 20ms",
	      t - before);
	/* Blocking shows up as time not running. */
	sleep_ns(20000000);
	t = running_total(&runstate);
	check(runstate.time[RUNSTATE_blocked] > 0,
	      "never blocked: area time[] %lu %lu %lu %lu",
	      runstate.time[0], runstate.time[1], runstate.time[2],
	      runstate.time[3]);
	check_rc(hv_vcpu_op(VCPUOP_get_runstate_info, 0, &info), 0);
	check_eq(info.state, RUNSTATE_running);
	check(running_total(&info) >= t, "get_runstate_info behind the area");
	check_rc(hv_vcpu_op(VCPUOP_get_runstate_info, 1, &info), 0);
	check_eq(info.state, RUNSTATE_offline);
	/* Hostile: bad pointers. */
	check_rc(hv_vcpu_op(VCPUOP_get_runstate_info, 0,
			    (void *)0x8000000000000000ul), -XEN_EFAULT);
	area.addr.h = 0;
	check_rc(hv_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &area),
		 0);
}

static void test_vcpu_info(void)
{
	uint8_t *page = page_alloc();
	struct vcpu_register_vcpu_info r = {
		.mfn = virt_to_mfn(page),
		.offset = 0x40,
	};
	struct vcpu_info *vi = (struct vcpu_info *)(page + 0x40);

	/* Hostile first: crossing the page end, misaligned (Xen: -ENXIO). */
	r.offset = PAGE_SIZE - 32;
	check_rc(hv_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), -XEN_ENXIO);
	r.offset = 0x41;
	check_rc(hv_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), -XEN_ENXIO);
	r.offset = 0x40;
	r.mfn = 0x10;
	if (!privileged)
		check(hv_vcpu_op(VCPUOP_register_vcpu_info, 0, &r) < 0,
		      "vcpu_info in mfn 0x10 accepted");
	r.mfn = virt_to_mfn(page);

	check_rc(hv_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), 0);
	if (case_failed())
		return;
	events_mask();
	this_cpu()->vcpu_info = vi;
	/* The state moved over, with every selector bit set. */
	check_eq(vi->evtchn_upcall_mask, 1);
	check_eq(vi->evtchn_pending_sel, ~0ul);
	/* Any (tsc, system time) pair is valid: check the clock came along. */
	check(!(vi->time.version & 1) && vi->time.tsc_to_system_mul,
	      "time not copied");
	check(now_ns() > 0, "no time in the new vcpu_info");
	sleep_ns(5000000);	/* timer events arrive through it */
	/* Only once. */
	check_rc(hv_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), -XEN_EINVAL);
}

static void test_bring_up(void)
{
	struct cpu *c = &cpus[1];
	uint64_t deadline;

	c->self = c;
	c->id = 1;
	c->vcpu_info = &shared_info->vcpu_info[1];
	memset(&ctxt, 0, sizeof(ctxt));
	ctxt.flags = VGCF_in_kernel;
	ctxt.user_regs.rip = (uint64_t)ap_entry;
	ctxt.user_regs.rsp = (uint64_t)ap_stack + AP_STACK_SIZE - 8;
	ctxt.user_regs.cs = FLAT_KERNEL_CS;
	ctxt.user_regs.ss = FLAT_KERNEL_SS;
	ctxt.user_regs.rflags = X86_EFLAGS_MBS;
	ctxt.kernel_ss = FLAT_KERNEL_SS;
	ctxt.kernel_sp = ctxt.user_regs.rsp;
	ctxt.ctrlreg[3] = xen_pfn_to_cr3(l4_mfn());
	ctxt.gs_base_kernel = (uint64_t)c;

	/* Hostile: no such vCPU, bad context pointer. */
	check_rc(hv_vcpu_op(VCPUOP_initialise, 99, &ctxt), -XEN_ENOENT);
	check_rc(hv_vcpu_op(VCPUOP_initialise, 1,
			    (void *)0x8000000000000000ul), -XEN_EFAULT);
	check_rc(hv_vcpu_op(VCPUOP_up, 99, NULL), -XEN_ENOENT);

	check_rc(hv_vcpu_op(VCPUOP_initialise, 1, &ctxt), 0);
	check_rc(hv_vcpu_op(VCPUOP_up, 1, NULL), 0);
	if (case_failed())
		return;
	deadline = now_ns() + 5000000000ul;
	while (!ap_alive && now_ns() < deadline)
		hv_yield();
	if (!check(ap_alive, "vCPU 1 never ran"))
		return;
	check_eq(ap_id, 1);
	check(ap_rsp > (unsigned long)ap_stack &&
	      ap_rsp <= (unsigned long)ap_stack + AP_STACK_SIZE,
	      "vCPU 1 rsp %#lx not on its stack", ap_rsp);
	check_eq(hv_vcpu_op(VCPUOP_is_up, 1, NULL), 1);
	/* A running vCPU cannot be initialised again. */
	check_rc(hv_vcpu_op(VCPUOP_initialise, 1, &ctxt), -XEN_EEXIST);

	check_rc(hv_vcpu_op(VCPUOP_down, 1, NULL), 0);
	deadline = now_ns() + 2000000000ul;
	while (hv_vcpu_op(VCPUOP_is_up, 1, NULL) && now_ns() < deadline)
		hv_yield();
	check_eq(hv_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
}

static const struct test_case cases[] = {
	{ "is_up", test_is_up },
	{ "runstate", test_runstate },
	{ "vcpu_info", test_vcpu_info },
	{ "bring_up", test_bring_up },
};

DEFINE_SUITE("vcpus", cases);
