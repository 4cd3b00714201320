/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The protocol between hyrun (static) and hyrun-systemd, the small
 * dynamically linked helper that speaks to systemd over D-Bus with
 * libsystemd's sd-bus (Debian ships no libsystemd.a, and hyrun stays
 * static for its start time; configure.ac).  hyrun runs the helper only
 * for the systemd cgroup driver.
 *
 *   hyrun-systemd start UNIT SLICE PID   StartTransientUnit(UNIT, "replace")
 *                                        with Slice=SLICE, Delegate=yes,
 *                                        PIDs=[PID], the accounting switches
 *                                        and the properties on stdin; waits
 *                                        for the job (JobRemoved) as runc
 *   hyrun-systemd set UNIT               SetUnitProperties(UNIT, runtime=true)
 *                                        with the properties on stdin
 *   hyrun-systemd stop UNIT              StopUnit(UNIT, "replace"), waits for
 *                                        the job, then ResetFailedUnit; a
 *                                        unit that is not loaded is no error
 *
 * Properties on stdin, one per line, fields separated by one space:
 *   NAME b 0|1          NAME t UINT64       NAME s STRING (rest of the line)
 *   NAME ay HEX         (bytes, two hex digits each; AllowedCPUs)
 *   NAME a(ss) [S S]... (DeviceAllow: path access pairs; none = reset)
 *   NAME a(st) [S T]... (IO limits: device path, value pairs)
 * Exit 0 on success; otherwise 1 and one line on stderr saying what failed
 * (hyrun puts it in its own error). */
#ifndef HY_LC_CGROUP_SYSTEMD_H
#define HY_LC_CGROUP_SYSTEMD_H

#define HY_SYSTEMD_HELPER "hyrun-systemd"
/* systemd's own limit on a job (runc waits 30 s too) */
#define HY_SYSTEMD_JOB_TIMEOUT_SEC 30

#endif
