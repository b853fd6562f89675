/* SPDX-License-Identifier: MIT */
/* Switching the physical CPU between vCPUs. */
#ifndef ASM_CONTEXT_H
#define ASM_CONTEXT_H

#include <tandem/types.h>

struct vcpu;
struct domain;

/*
 * Save prev, load next and continue in next: its guest context, or the
 * idle loop. Never returns: the stack is reset.
 */
void context_switch(struct vcpu *prev, struct vcpu *next) __noreturn;
void reset_stack_and_jump(void *arg, void (*fn)(void)) __noreturn;

int arch_domain_create(struct domain *d);
void arch_domain_destroy(struct domain *d);
int arch_vcpu_create(struct vcpu *v);
void arch_vcpu_destroy(struct vcpu *v);
/* Release page-table references held by vCPUs (domain teardown). */
void arch_vcpu_release_tables(struct vcpu *v);

struct vcpu_guest_context;
/* VCPUOP_initialise: load a full register and table context. */
int arch_set_info_guest(struct vcpu *v, const struct vcpu_guest_context *c);
/* domctl getvcpucontext: the saved state of a vCPU not on a CPU. */
void arch_get_info_guest(struct vcpu *v, struct vcpu_guest_context *c);
/* domctl setvcpucontext with no context: back to a new vCPU's state. */
void arch_vcpu_reset(struct vcpu *v);

/* Map this vCPU's GDT frames (or the zero page) into its GDT window. */
void pv_map_gdt_frames(struct vcpu *v);

#endif
