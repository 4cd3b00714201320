/* SPDX-License-Identifier: GPL-2.0-or-later */
/* AppArmor and SELinux labels for the container process. */
#ifndef HY_LC_LSM_H
#define HY_LC_LSM_H

#include <stdbool.h>

#include "common/error.h"
#include "spec/spec.h"

/* Before create: a label whose LSM the host lacks is an error. */
int lc_lsm_check (const struct spec_process *p, hy_error_t *err);
/* In the init, before the exec: label the next exec. */
int lc_lsm_apply (const struct spec_process *p, hy_error_t *err);

#endif
