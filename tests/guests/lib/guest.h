/* SPDX-License-Identifier: MIT */
/*
 * The test-guest runtime: what every test kernel can use. See
 * tests/guests/README.md for the memory layout and conventions.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <public/xen.h>
#include <public/errno.h>
#include "x86.h"
#include "hypercall.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define __noreturn	__attribute__((noreturn))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define __aligned(a)	__attribute__((aligned(a)))

/*
 * The string functions, vsnprintf and snprintf are the hypervisor's
 * (hypervisor/common/lib/, linked in by meson.build); so are the
 * prototypes of printk and panic, which the runtime implements
 * (console.c, test.c).
 */
#include <tandem/lib.h>

/* Boot information, set up before the suite runs. */
extern struct start_info *start_info;
extern struct shared_info *shared_info;
extern bool privileged;		/* SIF_PRIVILEGED was set */
extern char _start[], _end[];	/* image bounds (linker script) */

/* console.c */
void console_write(const char *s, size_t len);
void pvcons_init(void);
long pvcons_write(const char *s, size_t len);
struct xencons_interface *pvcons_ring(void);

/* setup.c: guest command line, "key=value" words */
bool cmdline_get(const char *key, char *buf, size_t len);
unsigned long cmdline_ulong(const char *key, unsigned long def);
bool cmdline_has(const char *word);

/* Per-vCPU data, found through the kernel GS base. */
struct cpu {
	struct cpu *self;		/* must stay first: read via %gs:0 */
	unsigned int id;
	struct vcpu_info *vcpu_info;	/* in shared_info or registered */
	void *stack_top;
	evtchn_port_t timer_port;	/* VIRQ_TIMER, 0 until bound */
};
extern struct cpu cpus[];
#define MAX_CPUS	4

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	asm volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

static inline struct vcpu_info *this_vcpu_info(void)
{
	return this_cpu()->vcpu_info;
}
int cpu_init(unsigned int id);

/* except.c: exceptions, software interrupts and callbacks */
struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Pseudo vectors for the callbacks (they share the entry path). */
#define VEC_EVENT	0x100
#define VEC_SYSCALL	0x101
#define VEC_FAILSAFE	0x102

struct exc_record {
	uint32_t vector;		/* ~0 if nothing happened */
	uint32_t count;			/* exceptions since exc_clear */
	uint64_t error_code;
	uint64_t rip;
	uint64_t cr2;			/* only for #PF */
	uint64_t cs;
};
extern volatile struct exc_record last_exc;
#define EXC_NONE	0xffffffffu

typedef void (*trap_handler_t)(struct exc_frame *f);

void exc_handle(struct exc_frame *f);

/* Trap table, event/failsafe/syscall callbacks, stack_switch (again). */
void traps_init(void);
extern char event_entry[], failsafe_entry[], syscall_entry[];
void exc_clear(void);
/* Install (or with h == NULL remove) a handler and reload the table. */
long trap_set(unsigned int vector, unsigned int dpl, trap_handler_t h);
long traps_reload(void);

/*
 * Exception fixups: if the instruction at label "from" faults, the
 * handler records the exception in last_exc and resumes at "to".
 */
#define EXTABLE(from, to)						\
	".pushsection .extable, \"a\"\n\t"				\
	".balign 8\n\t"							\
	".quad " #from ", " #to "\n\t"					\
	".popsection\n\t"

/* Return -1 if the access worked, else the exception vector. */
int probe_read(const volatile void *p, uint64_t *val);
int probe_write(volatile void *p, uint64_t val);
int probe_exec(const void *p);

/* User mode: run fn(arg) at CPL3 (same page tables) and come back. */
typedef unsigned long (*user_fn_t)(unsigned long arg);
unsigned long user_exec(user_fn_t fn, unsigned long arg);
unsigned long user_syscall(unsigned long nr, unsigned long arg);
#define USER_SYS_EXIT	0x7e57e817ul	/* leaves user mode */
extern volatile struct exc_frame last_syscall;	/* last syscall frame */
extern volatile unsigned long last_syscall_rsp;	/* where it was built */
extern volatile uint8_t last_syscall_upcall_mask; /* on entry, as we got it */
extern uint8_t kernel_stack[], user_stack[];
#define KERNEL_STACK_SIZE	(16 * 1024)
#define USER_STACK_SIZE		(16 * 1024)

/* events.c */
typedef void (*evtchn_handler_t)(evtchn_port_t port);
extern volatile uint32_t evtchn_fired[NR_EVENT_CHANNELS];
void events_init(void);
void evtchn_set_handler(evtchn_port_t port, evtchn_handler_t h);
void events_mask(void);
void events_unmask(void);
void event_dispatch(void);
void evtchn_mask_port(evtchn_port_t port);
void evtchn_unmask_port(evtchn_port_t port);
/* Block until evtchn_fired[port] passes *seen or the deadline passes. */
bool evtchn_wait(evtchn_port_t port, uint32_t seen, uint64_t timeout_ns);
long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port);

/* time.c */
uint64_t now_ns(void);
uint64_t vcpu_now_ns(const volatile struct vcpu_time_info *t);
void spin_ns(uint64_t ns);
/* Sleep with SCHEDOP_block and the singleshot timer. */
void sleep_ns(uint64_t ns);
/* This vCPU's VIRQ_TIMER port, bound on first use (0 on failure). */
evtchn_port_t timer_port(void);
void timer_port_release(void);

/* mm.c */
void mm_init(void);
uint64_t pfn_to_mfn(uint64_t pfn);
uint64_t mfn_to_pfn(uint64_t mfn);
uint64_t virt_to_mfn(const void *va);	/* walks the page tables */
void *mfn_to_virt(uint64_t mfn);	/* boot region only */
uint64_t max_mfn(void);			/* highest MFN the M2P covers */
bool own_mfn(uint64_t mfn);		/* ours, by the M2P and the p2m */
uint64_t foreign_mfn(void);		/* RAM not ours: an M2P frame */
uint64_t *l4_table(void);
uint64_t l4_mfn(void);
void set_l4(uint64_t *l4, uint64_t mfn);
/* The entry mapping va at level (1..4); NULL if a level is missing. */
uint64_t *pte_lookup(unsigned long va, int level);
/* Machine address of that entry, for mmu_update; 0 if none. */
uint64_t pte_maddr(unsigned long va, int level);
void *page_alloc(void);			/* mapped, writable, zeroed */
void *va_hole_alloc(void);		/* a VA with an L1 but not mapped */
uint64_t frame_alloc(void);		/* PFN of an unmapped own page */
unsigned long mm_free_pages(void);
long map_mfn(unsigned long va, uint64_t mfn, uint64_t flags);
long unmap_va(unsigned long va);
long page_set_rw(const void *va, bool rw);
#define PTE_KERN_RW	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | \
			 _PAGE_DIRTY)
#define PTE_KERN_RO	(_PAGE_PRESENT | _PAGE_ACCESSED)
#define PTE_TABLE	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | \
			 _PAGE_ACCESSED | _PAGE_DIRTY)

/* gnttab.c */
extern struct grant_entry_v1 *gnttab;
extern unsigned int gnttab_nr_frames;
long gnttab_init(unsigned int nr_frames);
void gnttab_grant(grant_ref_t ref, domid_t domid, uint64_t mfn,
		  bool readonly);
bool gnttab_revoke(grant_ref_t ref);
int16_t gnttab_map(domid_t dom, grant_ref_t ref, void *va, uint32_t flags,
		   grant_handle_t *handle);
int16_t gnttab_unmap(void *va, grant_handle_t handle);
domid_t own_domid(void);	/* learnt through an unbound port */

static inline uint64_t read_cr3(void)
{
	uint64_t cr3;

	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	return cr3;
}

#endif /* GUEST_GUEST_H */
