// SPDX-License-Identifier: MIT
/*
 * The VM state machine's states and transitions (see vm.h).
 */
#include "vm.h"

static const char *const state_names[VM_NR_STATES] = {
	[VM_BUILDING] = "building",
	[VM_RUNNING] = "running",
	[VM_PAUSED] = "paused",
	[VM_SHUTTING_DOWN] = "shutting-down",
	[VM_RESTARTING] = "restarting",
	[VM_STOPPED] = "stopped",
	[VM_DEAD] = "dead",
};

#define T(s)	(1u << (s))

/* allowed[from]: the states a VM may go to from there. */
static const unsigned int allowed[VM_NR_STATES] = {
	[VM_BUILDING] = T(VM_RUNNING) | T(VM_DEAD),
	[VM_RUNNING] = T(VM_PAUSED) | T(VM_SHUTTING_DOWN) | T(VM_RESTARTING) |
		       T(VM_STOPPED) | T(VM_DEAD),
	[VM_PAUSED] = T(VM_RUNNING) | T(VM_RESTARTING) | T(VM_STOPPED) |
		      T(VM_DEAD),
	[VM_SHUTTING_DOWN] = T(VM_RUNNING) | T(VM_PAUSED) | T(VM_RESTARTING) |
			     T(VM_STOPPED) | T(VM_DEAD),
	[VM_RESTARTING] = T(VM_BUILDING) | T(VM_DEAD),
	[VM_STOPPED] = T(VM_DEAD),
	[VM_DEAD] = 0,
};

const char *vm_state_name(enum vm_state s)
{
	if ((unsigned int)s >= VM_NR_STATES)
		return "?";
	return state_names[s];
}

bool vm_transition_ok(enum vm_state from, enum vm_state to)
{
	if ((unsigned int)from >= VM_NR_STATES ||
	    (unsigned int)to >= VM_NR_STATES)
		return false;
	return allowed[from] & T(to);
}
