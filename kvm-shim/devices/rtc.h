/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A minimal MC146818 CMOS RTC at ports 0x70/0x71: the host's UTC time in
 * BCD, never "update in progress", the rest of CMOS reads zero.  Without it
 * a Linux guest polls the absent chip: 40,000 port exits per boot of
 * Debian's 6.1 kernel, the bulk of all its exits. */
#ifndef VMM_RTC_H
#define VMM_RTC_H

#include "common/error.h"
#include "kvm-shim/vmm/bus.h"

struct vmm_rtc;

struct vmm_rtc *vmm_rtc_create (struct vmm_bus *bus, hy_error_t *err);
void vmm_rtc_destroy (struct vmm_rtc *rtc);

#endif
