/* SPDX-License-Identifier: MIT */
/*
 * tandemd's VMs: one record per VM, an explicit state machine.
 *
 *	building ──> running <──> paused
 *	   │            │  ^          │
 *	   │            v  │          │
 *	   │       shutting-down      │
 *	   │            │             │
 *	   v            v             v
 *	  dead <── (guest ended: on_poweroff/on_reboot/on_crash) ──> stopped
 *	                │
 *	                v
 *	           restarting ──> building
 *
 * building: the builder thread makes the domain; running/paused: it
 * runs, or the toolstack paused it; shutting-down: we asked the guest to
 * power off or reboot; restarting: the old domain is being destroyed,
 * a new one follows from the same profile; stopped: the guest ended and
 * its profile says "preserve" (the dead domain is kept for inspection
 * until destroyed); dead: destroyed, the record goes once the domain's
 * memory is back.
 */
#ifndef TANDEM_VM_H
#define TANDEM_VM_H

#include <stdbool.h>

enum vm_state {
	VM_BUILDING,
	VM_RUNNING,
	VM_PAUSED,
	VM_SHUTTING_DOWN,
	VM_RESTARTING,
	VM_STOPPED,
	VM_DEAD,
	VM_NR_STATES,
};

const char *vm_state_name(enum vm_state s);

/* May a VM go from one state to the other? */
bool vm_transition_ok(enum vm_state from, enum vm_state to);

#endif /* TANDEM_VM_H */
