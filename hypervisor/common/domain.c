// SPDX-License-Identifier: MIT
/*
 * Domain and vCPU lifecycle.
 *
 * A domain ends in two steps. domain_kill() stops its vCPUs at once and
 * marks it dying; the resources are released later by the RECLAIM
 * softirq, when none of its vCPUs is on a CPU (we may be running on its
 * page tables when it dies). Frames that other domains still map (grants)
 * keep the struct alive until the last one is freed.
 */
#include <tandem/console.h>
#include <tandem/dom_build.h>
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/event.h>
#include <tandem/grant_table.h>
#include <tandem/lib.h>
#include <tandem/sched.h>
#include <tandem/softirq.h>
#include <asm/context.h>
#include <asm/reboot.h>
#include <asm/pagetable.h>
#include <asm/time.h>
#include <public/sched.h>

LIST_HEAD_DEF(domain_list);
struct domain *hardware_domain;
bool domains_started;
static bool all_gone_reported;
static LIST_HEAD_DEF(dying_list);

/* Out-of-range vCPUs use this until they register their own vcpu_info. */
static struct vcpu_info dummy_vcpu_info;

static const char *const shutdown_names[] = {
	[SHUTDOWN_poweroff] = "power off",
	[SHUTDOWN_reboot] = "reboot",
	[SHUTDOWN_suspend] = "suspend",
	[SHUTDOWN_crash] = "crash",
	[SHUTDOWN_watchdog] = "watchdog",
	[SHUTDOWN_soft_reset] = "soft reset",
};

struct domain *domain_by_id(domid_t id)
{
	struct domain *d;

	list_for_each_entry(d, &domain_list, domain_list)
		if (d->domain_id == id && d->state != DOMAIN_DYING)
			return d;
	return NULL;
}

struct domain *domain_next_by_id(domid_t from)
{
	struct list_head *lists[] = { &domain_list, &dying_list };
	struct domain *d, *best = NULL;

	for (unsigned int i = 0; i < ARRAY_SIZE(lists); i++)
		list_for_each_entry(d, lists[i], domain_list)
			if (d->domain_id >= from &&
			    (!best || d->domain_id < best->domain_id))
				best = d;
	return best;
}

struct domain *get_domain_by_id(struct domain *caller, domid_t id)
{
	if (id == DOMID_SELF)
		return caller;
	return domain_by_id(id);
}

bool vcpu_runnable(const struct vcpu *v)
{
	const struct domain *d = v->domain;

	return !v->pause_flags && !v->pause_count && v->is_initialised &&
	       !d->pause_count && d->state == DOMAIN_RUNNING;
}

struct vcpu *vcpu_create(struct domain *d, unsigned int id)
{
	struct vcpu *v;

	if (id >= d->max_vcpus || d->vcpus[id])
		return NULL;
	v = xzalloc(sizeof(*v));
	if (!v)
		return NULL;
	v->vcpu_id = id;
	v->domain = d;
	v->vcpu_info = id < XEN_LEGACY_MAX_VCPUS ?
		       &d->shared_info->vcpu_info[id] : &dummy_vcpu_info;
	v->vcpu_info_mfn = INVALID_MFN;
	/* Events start masked; the guest unmasks when it is ready. */
	v->vcpu_info->evtchn_upcall_mask = 1;
	v->pause_flags = VPF_down;
	v->runstate.state = RUNSTATE_offline;
	v->runstate.state_entry_time = NOW();
	init_timer(&v->singleshot_timer, vcpu_singleshot_timer_fn, v);
	init_timer(&v->periodic_timer, vcpu_periodic_timer_fn, v);
	if (arch_vcpu_create(v)) {
		xfree(v);
		return NULL;
	}
	d->vcpus[id] = v;
	sched_add_vcpu(v);
	return v;
}

struct domain *domain_create(domid_t id, const char *name,
			     unsigned int max_vcpus, unsigned long max_pages,
			     bool privileged)
{
	struct domain *d;

	if (!max_vcpus || max_vcpus > MAX_VCPUS_PER_DOMAIN ||
	    domain_by_id(id))
		return NULL;
	d = xzalloc(sizeof(*d));
	if (!d)
		return NULL;
	d->domain_id = id;
	if (name && *name)
		strlcpy(d->name, name, sizeof(d->name));
	else
		snprintf(d->name, sizeof(d->name), "d%u", id);
	d->is_privileged = privileged;
	d->max_pages = max_pages;
	d->max_vcpus = max_vcpus;
	d->weight = SCHED_DEFAULT_WEIGHT;
	list_init(&d->page_list);

	d->shared_info = alloc_hv_page();
	d->vcpus = xzalloc_array(struct vcpu *, max_vcpus);
	if (!d->shared_info || !d->vcpus)
		goto fail;
	share_hv_page_with_guest(d->shared_info, d);
	if (arch_domain_create(d))
		goto fail;
	if (evtchn_init(d))
		goto fail_arch;
	if (grant_table_init(d))
		goto fail_evtchn;
	for (unsigned int i = 0; i < max_vcpus; i++)
		if (!vcpu_create(d, i))
			goto fail_vcpus;
	update_domain_wallclock_time(d);

	list_add_tail(&d->domain_list, &domain_list);
	all_gone_reported = false;
	if (privileged && !hardware_domain)
		hardware_domain = d;
	return d;

fail_vcpus:
	for (unsigned int i = 0; i < max_vcpus; i++) {
		if (!d->vcpus[i])
			continue;
		sched_remove_vcpu(d->vcpus[i]);
		arch_vcpu_destroy(d->vcpus[i]);
		xfree(d->vcpus[i]);
	}
	grant_table_destroy(d);
fail_evtchn:
	evtchn_destroy(d);
fail_arch:
	arch_domain_destroy(d);
fail:
	if (d->shared_info)
		release_domheap_page(mfn_to_page(virt_to_mfn(d->shared_info)));
	xfree(d->vcpus);
	xfree(d);
	return NULL;
}

static void stop_vcpus(struct domain *d)
{
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct vcpu *v = d->vcpus[i];

		stop_timer(&v->singleshot_timer);
		stop_timer(&v->periodic_timer);
		if (v->poll_ports)
			stop_timer(&v->poll_timer);
		vcpu_sleep(v);
	}
}

static bool domain_is_running_somewhere(const struct domain *d)
{
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i]->is_running)
			return true;
	return false;
}

/* Tell dom0 (its toolstack and store) that a domain shut down or died. */
static void notify_dom_exc(const struct domain *d)
{
	if (hardware_domain && hardware_domain != d &&
	    hardware_domain->state == DOMAIN_RUNNING)
		send_guest_global_virq(hardware_domain, VIRQ_DOM_EXC);
}

/* Stop the domain for good and queue its resources for release. */
static void domain_kill(struct domain *d)
{
	if (d->state == DOMAIN_DYING)
		return;
	d->state = DOMAIN_DYING;
	stop_vcpus(d);
	console_detach(d);
	list_del(&d->domain_list);
	list_add_tail(&d->domain_list, &dying_list);
	raise_softirq(SOFTIRQ_RECLAIM);
	notify_dom_exc(d);
}

void domain_shutdown(struct domain *d, uint8_t reason)
{
	if (d->state != DOMAIN_RUNNING)
		return;
	d->state = DOMAIN_SHUTDOWN;
	d->shutdown_code = reason;
	console_flush_guest(d);
	printk("domain %u (%s) shut down: %s\n", d->domain_id, d->name,
	       reason < ARRAY_SIZE(shutdown_names) ? shutdown_names[reason] :
	       "?");
	stop_vcpus(d);
	/* The control domain takes the machine with it, as on Xen. */
	if (d == hardware_domain) {
		printk("the control domain has shut down\n");
		if (reason == SHUTDOWN_reboot)
			machine_restart();
		if (reason == SHUTDOWN_poweroff)
			machine_power_off();
		machine_halt();
	}
	notify_dom_exc(d);
	/* The toolstack collects its domains (domctl destroydomain). */
	if (d->toolstack_owned)
		return;
	/*
	 * No toolstack yet owns boot-time domains, so nobody would collect
	 * a shut-down domain: release it now, and build it again afterwards
	 * if it asked to reboot.
	 */
	d->reboot_requested = reason == SHUTDOWN_reboot;
	domain_kill(d);
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	if (d->state != DOMAIN_RUNNING)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	console_flush_guest(d);
	pr_err("domain %u (%s) crashed: %s\n", d->domain_id, d->name, why);
	d->state = DOMAIN_SHUTDOWN;
	d->shutdown_code = SHUTDOWN_crash;
	stop_vcpus(d);
	notify_dom_exc(d);
	if (!d->toolstack_owned)
		domain_kill(d);
}

void domain_destroy(struct domain *d)
{
	domain_kill(d);
	/* Not on a CPU (a build that failed, say): release it right away. */
	if (!domain_is_running_somewhere(d))
		domain_reclaim();
}

void domain_pause(struct domain *d)
{
	d->pause_count++;
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		vcpu_sleep(d->vcpus[i]);
}

void domain_unpause(struct domain *d)
{
	BUG_ON(!d->pause_count);
	if (--d->pause_count)
		return;
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		vcpu_wake(d->vcpus[i]);
}

/* ---- reclaim ------------------------------------------------------------ */

/*
 * Drop everything the domain holds. Page-table references go first (no
 * frame is freed by that: each still has its allocation reference), then
 * the allocation references, which frees every frame nobody else uses.
 */
static void relinquish_resources(struct domain *d)
{
	struct page_info *pg, *next;

	evtchn_destroy(d);
	grant_table_destroy(d);
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct vcpu *v = d->vcpus[i];

		kill_timer(&v->singleshot_timer);
		kill_timer(&v->periodic_timer);
		if (v->poll_ports)
			kill_timer(&v->poll_timer);
		arch_vcpu_release_tables(v);
		if (v->vcpu_info_mfn != INVALID_MFN) {
			put_page_and_type(mfn_to_page(v->vcpu_info_mfn));
			v->vcpu_info_mfn = INVALID_MFN;
		}
	}
	list_for_each_entry(pg, &d->page_list, list) {
		if (pg->type_info & PGT_pinned) {
			pg->type_info &= ~PGT_pinned;
			put_page_and_type(pg);
		}
	}
	list_for_each_entry_safe(pg, next, &d->page_list, list)
		release_domheap_page(pg);
	release_domheap_page(mfn_to_page(virt_to_mfn(d->shared_info)));
	d->shared_info = NULL;
}

static void free_domain_struct(struct domain *d)
{
	domid_t id = d->domain_id;
	bool restart = d->reboot_requested;

	printk("domain %u (%s) destroyed; its memory is free again\n",
	       d->domain_id, d->name);
	list_del(&d->domain_list);
	notify_dom_exc(d);
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		sched_remove_vcpu(d->vcpus[i]);
		xfree(d->vcpus[i]->poll_ports);
		xfree(d->vcpus[i]);
	}
	arch_domain_destroy(d);
	if (hardware_domain == d)
		hardware_domain = NULL;
	xfree(d->vcpus);
	xfree(d);
	if (restart)
		boot_domain_restart(id);
}

/* SOFTIRQ_RECLAIM: release dying domains that no CPU is running. */
void domain_reclaim(void)
{
	struct domain *d, *next;

	list_for_each_entry_safe(d, next, &dying_list, domain_list) {
		if (domain_is_running_somewhere(d))
			continue;
		if (d->shared_info)
			relinquish_resources(d);
		if (!d->tot_pages)
			free_domain_struct(d);
	}
	if (domains_started && list_empty(&domain_list) &&
	    list_empty(&dying_list) && !all_gone_reported) {
		all_gone_reported = true;
		all_domains_gone();
	}
}

void domain_page_freed(struct domain *d)
{
	if (d->state == DOMAIN_DYING && !d->tot_pages)
		raise_softirq(SOFTIRQ_RECLAIM);
}
