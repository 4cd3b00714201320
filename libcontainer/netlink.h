/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Network namespace set-up over rtnetlink (libmnl). */
#ifndef HY_LC_NETLINK_H
#define HY_LC_NETLINK_H

#include "common/error.h"

/* Bring the loopback interface up in the current network namespace. */
int lc_netlink_loopback_up (hy_error_t *err);

#endif
