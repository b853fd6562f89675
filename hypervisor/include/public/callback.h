/*
 * Tandem public ABI: HYPERVISOR_callback_op(cmd, arg), which registers the
 * guest kernel entry points for events, failsafe returns, system calls
 * and NMIs. (The older set_callbacks hypercall takes the event, failsafe
 * and syscall addresses as three plain arguments.)
 */
#ifndef TANDEM_PUBLIC_CALLBACK_H
#define TANDEM_PUBLIC_CALLBACK_H

#include <public/xen.h>

#define CALLBACKTYPE_event		0 /* event channel upcall */
#define CALLBACKTYPE_failsafe		1 /* segment reload failed on exit */
#define CALLBACKTYPE_syscall		2 /* SYSCALL from 64-bit user mode */
#define CALLBACKTYPE_sysenter_deprecated 3 /* old number of sysenter */
#define CALLBACKTYPE_nmi		4 /* NMI delivery */
#define CALLBACKTYPE_sysenter		5 /* SYSENTER from user mode */
#define CALLBACKTYPE_syscall32		7 /* SYSCALL from 32-bit user mode */

/* callback_register.flags: enter the callback with events masked. */
#define _CALLBACKF_mask_events		0
#define CALLBACKF_mask_events		(1 << _CALLBACKF_mask_events)

#define CALLBACKOP_register		0 /* struct callback_register */
#define CALLBACKOP_unregister		1 /* struct callback_unregister */

#ifndef __ASSEMBLER__

struct callback_register {
	uint16_t type;			/* CALLBACKTYPE_* */
	uint16_t flags;			/* CALLBACKF_* */
	uint32_t _pad0;
	xen_callback_t address;		/* entry point in the kernel */
};
_Static_assert(sizeof(struct callback_register) == 16,
	       "callback_register size");
_Static_assert(offsetof(struct callback_register, address) == 8,
	       "callback_register.address");

struct callback_unregister {
	uint16_t type;			/* CALLBACKTYPE_* */
	uint16_t _unused;
};
_Static_assert(sizeof(struct callback_unregister) == 4,
	       "callback_unregister size");

#endif /* !__ASSEMBLER__ */

#endif /* TANDEM_PUBLIC_CALLBACK_H */
