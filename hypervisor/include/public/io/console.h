/*
 * Tandem public ABI: the PV console ring page shared between a guest
 * (hvc_xen in Linux) and its console backend. Two byte rings with free-
 * running 32-bit indices; the event channel is start_info's console port.
 */
#ifndef TANDEM_PUBLIC_IO_CONSOLE_H
#define TANDEM_PUBLIC_IO_CONSOLE_H

#define XENCONS_IN_SIZE		1024	/* backend -> guest (keyboard) */
#define XENCONS_OUT_SIZE	2048	/* guest -> backend (screen) */

/* xencons_interface.connection, written by the backend. */
#define XENCONSOLE_CONNECTED	0	/* the ring is being drained */
#define XENCONSOLE_DISCONNECTED	1	/* nobody drains it yet */

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

/* Ring index: counts bytes forever; wraps only at 2^32. */
typedef uint32_t XENCONS_RING_IDX;

/*
 * The producer writes data[prod & (size - 1)] and then advances prod; the
 * consumer reads up to prod and then advances cons. prod - cons is the
 * number of unread bytes.
 */
struct xencons_interface {
	char in[XENCONS_IN_SIZE];	/* produced by the backend */
	char out[XENCONS_OUT_SIZE];	/* produced by the guest */
	XENCONS_RING_IDX in_cons;	/* written by the guest */
	XENCONS_RING_IDX in_prod;	/* written by the backend */
	XENCONS_RING_IDX out_cons;	/* written by the backend */
	XENCONS_RING_IDX out_prod;	/* written by the guest */
	uint8_t connection;		/* XENCONSOLE_*; newer than 4.17 */
	uint8_t _pad0[3];
};
_Static_assert(sizeof(struct xencons_interface) == 0xc14,
	       "xencons_interface size");
_Static_assert(offsetof(struct xencons_interface, out) == 0x400,
	       "xencons_interface.out");
_Static_assert(offsetof(struct xencons_interface, in_cons) == 0xc00,
	       "xencons_interface.in_cons");
_Static_assert(offsetof(struct xencons_interface, in_prod) == 0xc04,
	       "xencons_interface.in_prod");
_Static_assert(offsetof(struct xencons_interface, out_cons) == 0xc08,
	       "xencons_interface.out_cons");
_Static_assert(offsetof(struct xencons_interface, out_prod) == 0xc0c,
	       "xencons_interface.out_prod");
_Static_assert(offsetof(struct xencons_interface, connection) == 0xc10,
	       "xencons_interface.connection");

/* Offset into in[] for a ring index. */
static inline uint32_t xencons_in_slot(XENCONS_RING_IDX idx)
{
	return idx & (XENCONS_IN_SIZE - 1);
}

/* Offset into out[] for a ring index. */
static inline uint32_t xencons_out_slot(XENCONS_RING_IDX idx)
{
	return idx & (XENCONS_OUT_SIZE - 1);
}

#endif /* !__ASSEMBLER__ */

#endif /* TANDEM_PUBLIC_IO_CONSOLE_H */
