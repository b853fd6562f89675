/* SPDX-License-Identifier: MIT */
/*
 * Domains and virtual CPUs.
 *
 * Lifecycle of a domain: created (paused), built, unpaused, running; then
 * shut down (the guest asked: poweroff/reboot/crash...) or crashed (the
 * hypervisor ended it), then destroyed: its vCPUs stop, its page tables
 * and grants are torn down, and once the last of its frames is free the
 * struct itself goes.
 */
#ifndef TANDEM_DOMAIN_H
#define TANDEM_DOMAIN_H

#include <tandem/list.h>
#include <tandem/mm.h>
#include <tandem/timer.h>
#include <tandem/types.h>
#include <asm/domain.h>
#include <public/xen.h>
#include <public/event_channel.h>
#include <public/vcpu.h>

#define DOMAIN_NAME_LEN		32
#define MAX_VCPUS_PER_DOMAIN	128
#define CONSOLE_LINE_LEN	160

struct evtchn;
struct grant_table;
struct xencons_interface;

/* vCPU pause reasons (bits of vcpu->pause_flags). */
#define VPF_blocked		(1U << 0)	/* SCHEDOP_block/poll */
#define VPF_down		(1U << 1)	/* not brought up, or VCPUOP_down */
#define VPF_parked		(1U << 2)	/* over its domain's cap */

struct sched_vcpu {
	struct list_head runq;		/* on the run queue when runnable */
	bool on_runq;
	int64_t credit;			/* ns of CPU it may still use */
	int priority;			/* SCHED_PRI_* */
	s_time_t start_time;		/* when it last got the CPU */
	unsigned int cpu;		/* physical CPU whose run queue it uses */
	s_time_t period_used;		/* ns run in this accounting period */
	bool competing;			/* never blocked/offline this period */
};

struct vcpu {
	unsigned int vcpu_id;
	struct domain *domain;

	/* Where this vCPU's event/time state lives (shared_info or a guest page). */
	struct vcpu_info *vcpu_info;
	mfn_t vcpu_info_mfn;		/* registered page (ref held) or INVALID */

	unsigned int pause_flags;	/* VPF_* */
	unsigned int pause_count;	/* hypervisor/toolstack pauses */
	bool is_initialised;		/* has a context to run */
	bool is_running;		/* on a physical CPU now */

	/* Event channels. */
	evtchn_port_t virq_to_evtchn[NR_VIRQS];
	evtchn_port_t *poll_ports;	/* SCHEDOP_poll set, or NULL */
	unsigned int nr_poll_ports;
	struct timer poll_timer;

	/* Timers. */
	struct timer singleshot_timer;
	struct timer periodic_timer;
	s_time_t periodic_period;

	/* Runstate accounting, and where the guest wants to read it. */
	struct vcpu_runstate_info runstate;
	uint64_t runstate_guest;	/* guest VA, 0 if none */

	struct sched_vcpu sched;
	struct arch_vcpu arch;
};

enum domain_state {
	DOMAIN_RUNNING,		/* created or running (see pause counts) */
	DOMAIN_SHUTDOWN,	/* guest shut itself down; code says why */
	DOMAIN_DYING,		/* being destroyed */
};

struct domain_console {
	/* Built-in backend for boot-time domains' PV consoles. */
	struct xencons_interface *ring;	/* guest's console page (direct map) */
	evtchn_port_t port;
	/* Output is printed a line at a time, tagged with the name. */
	char line[CONSOLE_LINE_LEN];
	unsigned int line_len;
	/* Where in a terminal escape sequence the output is (dropped). */
	enum { ESC_NONE, ESC_START, ESC_CSI } esc;
};

struct domain {
	domid_t domain_id;
	char name[DOMAIN_NAME_LEN];
	bool is_privileged;
	struct list_head domain_list;

	enum domain_state state;
	uint8_t shutdown_code;		/* SHUTDOWN_* once shut down */
	bool reboot_requested;		/* the guest asked to reboot */
	unsigned int pause_count;	/* toolstack pauses (whole domain) */

	/*
	 * Built by the toolstack (domctl createdomain): it stays shut down
	 * until the toolstack destroys it. Its pauses by domctl are counted
	 * apart (they are also in pause_count); creation leaves one.
	 */
	bool toolstack_owned;
	unsigned int controller_pause_count;
	xen_domain_handle_t handle;	/* the toolstack's UUID for it */
	uint32_t tsc_mode;		/* domctl settscinfo (TSC_MODE_*) */
	uint32_t tsc_incarnation;
	unsigned int max_grant_frames;	/* grant table size limit */

	/* Memory. */
	struct list_head page_list;	/* frames it owns */
	unsigned long tot_pages, max_pages;
	struct shared_info *shared_info;

	/* vCPUs. */
	unsigned int max_vcpus;
	struct vcpu **vcpus;

	/* Event channels: buckets of struct evtchn, allocated on demand. */
	struct evtchn **evtchn_buckets;
	unsigned int max_evtchn_port;

	struct grant_table *grant_table;

	/* Scheduling. */
	unsigned int weight;		/* relative share of CPU */
	unsigned int cap;		/* % of one CPU, 0 = none */
	s_time_t cpu_time;		/* total ns run */

	struct domain_console console;
	struct arch_domain arch;
};

extern struct list_head domain_list;
/* Set once the boot-time domains run: ending them all means shutdown. */
extern bool domains_started;
extern struct domain *hardware_domain;	/* dom0 */

struct domain *domain_create(domid_t id, const char *name,
			     unsigned int max_vcpus, unsigned long max_pages,
			     bool privileged);
struct domain *domain_by_id(domid_t id);
/*
 * The domain, live or dying, with the lowest id >= from; NULL if none.
 * Dying domains keep their id until their last frame is freed.
 */
struct domain *domain_next_by_id(domid_t from);
/* Resolve a domid from a guest (DOMID_SELF allowed) to a live domain. */
struct domain *get_domain_by_id(struct domain *caller, domid_t id);

/* The guest asked to stop (SCHEDOP_shutdown); or we end it. */
void domain_shutdown(struct domain *d, uint8_t reason);
void domain_crash(struct domain *d, const char *fmt, ...) __printf(2, 3);
void domain_destroy(struct domain *d);
/* Called when a frame of d goes back to the heap. */
void domain_page_freed(struct domain *d);
void domain_pause(struct domain *d);
void domain_unpause(struct domain *d);

void domain_reclaim(void);
/* Every domain has ended: what the hypervisor does next. */
void all_domains_gone(void);

struct vcpu *vcpu_create(struct domain *d, unsigned int id);
void vcpu_singleshot_timer_fn(void *data);
void vcpu_periodic_timer_fn(void *data);
bool vcpu_runnable(const struct vcpu *v);

static inline bool is_idle_vcpu(const struct vcpu *v)
{
	return v->domain == NULL;
}

#define vcpu_info_field(v, f)	((v)->vcpu_info->f)

#endif
