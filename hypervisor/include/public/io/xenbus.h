/*
 * Tandem public ABI: the XenBus device states. Each split-driver frontend
 * and backend publishes its state as a decimal number in its "state" node
 * in the store; the two sides advance through these states together.
 */
#ifndef TANDEM_PUBLIC_IO_XENBUS_H
#define TANDEM_PUBLIC_IO_XENBUS_H

#ifndef __ASSEMBLER__

enum xenbus_state {
	XenbusStateUnknown		= 0, /* no state node yet */
	XenbusStateInitialising		= 1, /* setting up */
	XenbusStateInitWait		= 2, /* waiting for peer or hotplug */
	XenbusStateInitialised		= 3, /* ready, waiting to connect */
	XenbusStateConnected		= 4, /* in normal operation */
	XenbusStateClosing		= 5, /* shutting down */
	XenbusStateClosed		= 6, /* shut down */
	XenbusStateReconfiguring	= 7, /* being reconfigured */
	XenbusStateReconfigured		= 8, /* reconfiguration done */
};

typedef enum xenbus_state XenbusState;

#endif /* !__ASSEMBLER__ */

#endif /* TANDEM_PUBLIC_IO_XENBUS_H */
