/* SPDX-License-Identifier: MIT */
/*
 * The toolstack's control hypercalls (common/domctl.c, common/sysctl.c):
 * what one shares with the other.
 */
#ifndef TANDEM_DOMCTL_H
#define TANDEM_DOMCTL_H

struct domain;
struct xen_domctl_getdomaininfo;

/* Describe d as domctl getdomaininfo and sysctl getdomaininfolist do. */
void domain_get_info(struct domain *d,
		     struct xen_domctl_getdomaininfo *info);

#endif
