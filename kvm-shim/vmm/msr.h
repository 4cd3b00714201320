/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The model-specific registers a vCPU starts with. */
#ifndef VMM_MSR_H
#define VMM_MSR_H

#include "common/error.h"

/* Set the boot MSRs on vCPU fd `vcpu_fd`: SYSENTER/SYSCALL targets cleared,
 * TSC at 0, fast strings on, MTRRs enabled with write-back as default. */
int vmm_msr_setup_boot (int vcpu_fd, hy_error_t *err);

#endif
