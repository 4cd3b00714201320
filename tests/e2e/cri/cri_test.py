#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# The CRI end to end: this program plays kubelet against a real containerd
# (its CRI plugin) that runs hyrun.  It speaks CRI v1 over gRPC (stubs
# compiled from api.proto next to it) and makes the calls kubelet makes for
# a pod: RunPodSandbox with a runtime handler and the pod's cgroup parent,
# CreateContainer/StartContainer, ExecSync, ContainerStats,
# StopContainer/RemoveContainer, StopPodSandbox/RemovePodSandbox.  Prints TAP.
#
#   cri_test.py --sock SOCK --stubs DIR --image IMG --profile NAME:HANDLER[:ANNOT] ...
#               [--guest-release REL] [CASE...]
#
# A profile is a runtime handler plus pod annotations; its containers are
# VMs when the handler is hyrun-vm or the pod carries io.hyrun.isolation=vm
# (then each ExecSync's `uname -r` must print --guest-release, else the
# host's release).  Cases: life (one pod: exec, stats, cgroups, stop,
# remove) and net (two pods reach each other over the CNI bridge), each per
# profile, named CASE-PROFILE.
import argparse
import json
import os
import sys
import time
import traceback
import uuid

# kubelet's default for ExecSync and the calls here: a loaded CI box with
# nested TCG needs headroom
CALL_TIMEOUT = int(os.environ.get("CRI_CALL_TIMEOUT", "120"))
MEM_LIMIT = 256 * 1024 * 1024


class Failed(Exception):
    pass


def need(cond, why):
    if not cond:
        raise Failed(why)


class Kubelet:
    """The calls kubelet makes, one method each, with kubelet's fields."""

    def __init__(self, sock, api, grpc_mod):
        self.api = api
        self.channel = grpc_mod.insecure_channel("unix://" + sock)
        import api_pb2_grpc

        self.rt = api_pb2_grpc.RuntimeServiceStub(self.channel)

    def version(self):
        return self.rt.Version(self.api.VersionRequest(version="v1"), timeout=CALL_TIMEOUT)

    def pod_config(self, name, uid, cgroup_parent, annotations):
        a = self.api
        return a.PodSandboxConfig(
            metadata=a.PodSandboxMetadata(name=name, uid=uid, namespace="cri-e2e", attempt=0),
            hostname=name,
            log_directory="",
            labels={"io.kubernetes.pod.name": name},
            annotations=annotations,
            linux=a.LinuxPodSandboxConfig(
                cgroup_parent=cgroup_parent,
                security_context=a.LinuxSandboxSecurityContext(namespace_options=self.namespaces()),
            ),
        )

    def namespaces(self):
        # kubelet's default (no shareProcessNamespace, no hostNetwork): the
        # pod's network and IPC, a PID namespace per container
        a = self.api
        return a.NamespaceOption(network=a.POD, pid=a.CONTAINER, ipc=a.POD)

    def run_pod(self, config, handler):
        r = self.rt.RunPodSandbox(
            self.api.RunPodSandboxRequest(config=config, runtime_handler=handler), timeout=CALL_TIMEOUT
        )
        return r.pod_sandbox_id

    def pod_status(self, pod_id):
        return self.rt.PodSandboxStatus(
            self.api.PodSandboxStatusRequest(pod_sandbox_id=pod_id, verbose=True), timeout=CALL_TIMEOUT
        )

    def create(self, pod_id, pod_config, name, image, command, mem_limit=0):
        a = self.api
        cfg = a.ContainerConfig(
            metadata=a.ContainerMetadata(name=name, attempt=0),
            image=a.ImageSpec(image=image),
            command=command,
            labels={"io.kubernetes.container.name": name},
            linux=a.LinuxContainerConfig(
                resources=a.LinuxContainerResources(
                    memory_limit_in_bytes=mem_limit, cpu_shares=512, cpu_period=100000, cpu_quota=50000
                ),
                security_context=a.LinuxContainerSecurityContext(namespace_options=self.namespaces()),
            ),
        )
        r = self.rt.CreateContainer(
            a.CreateContainerRequest(pod_sandbox_id=pod_id, config=cfg, sandbox_config=pod_config),
            timeout=CALL_TIMEOUT,
        )
        return r.container_id

    def start(self, cid):
        self.rt.StartContainer(self.api.StartContainerRequest(container_id=cid), timeout=CALL_TIMEOUT)

    def status(self, cid):
        return self.rt.ContainerStatus(
            self.api.ContainerStatusRequest(container_id=cid, verbose=True), timeout=CALL_TIMEOUT
        )

    def exec_sync(self, cid, cmd, timeout=60):
        return self.rt.ExecSync(
            self.api.ExecSyncRequest(container_id=cid, cmd=cmd, timeout=timeout), timeout=timeout + CALL_TIMEOUT
        )

    def stats(self, cid):
        return self.rt.ContainerStats(self.api.ContainerStatsRequest(container_id=cid), timeout=CALL_TIMEOUT).stats

    def stop(self, cid, grace):
        self.rt.StopContainer(
            self.api.StopContainerRequest(container_id=cid, timeout=grace), timeout=grace + CALL_TIMEOUT
        )

    def remove(self, cid):
        self.rt.RemoveContainer(self.api.RemoveContainerRequest(container_id=cid), timeout=CALL_TIMEOUT)

    def stop_pod(self, pod_id):
        self.rt.StopPodSandbox(self.api.StopPodSandboxRequest(pod_sandbox_id=pod_id), timeout=CALL_TIMEOUT)

    def remove_pod(self, pod_id):
        self.rt.RemovePodSandbox(self.api.RemovePodSandboxRequest(pod_sandbox_id=pod_id), timeout=CALL_TIMEOUT)


def log(*a):
    print(*a, file=LOG, flush=True)


def wait_for(what, fn, secs=60):
    end = time.monotonic() + secs
    while True:
        v = fn()
        if v:
            return v
        need(time.monotonic() < end, "%s: not within %d s" % (what, secs))
        time.sleep(0.2)


# --- cgroups: where kubelet's pod cgroup parent must show ---------------------


def cgroup_of(pid):
    """{controller or '': path} from /proc/PID/cgroup (v1 and v2)."""
    out = {}
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            for c in ctrls.split(",") if ctrls else [""]:
                out[c] = path
    return out


def memory_limit_of(pid):
    cg = cgroup_of(pid)
    if "memory" in cg:  # v1 (this host's hybrid layout)
        path = "/sys/fs/cgroup/memory%s/memory.limit_in_bytes" % cg["memory"]
    else:
        path = "/sys/fs/cgroup%s/memory.max" % cg[""]
    with open(path) as f:
        return int(f.read().strip()), path


def cgroup_dirs(parent):
    """The directories under PARENT in every hierarchy that has it."""
    found = []
    for root, dirs, _ in os.walk("/sys/fs/cgroup"):
        rel = root[len("/sys/fs/cgroup") :]
        # v1: /sys/fs/cgroup/<controller>/<parent>...; v2: /sys/fs/cgroup/<parent>
        if parent in rel and rel.split(parent, 1)[1].strip("/"):
            found.append(root)
        if rel.count("/") > 6:
            dirs[:] = []
    return found


def remove_cgroup_tree(parent):
    """kubelet removes a pod's cgroup after the pod: so does the test."""
    tops = set()
    for base in ["/sys/fs/cgroup"] + ["/sys/fs/cgroup/" + d for d in os.listdir("/sys/fs/cgroup")]:
        p = base + parent
        if os.path.isdir(p):
            tops.add(p)
    for p in tops:
        for root, _, _ in sorted(os.walk(p), key=lambda t: -t[0].count("/")):
            try:
                os.rmdir(root)
            except OSError:
                pass
        top = p
        # and the empty ancestors the pod parent created (/cri-kubepods/...)
        for _ in range(parent.count("/") - 1):
            top = os.path.dirname(top)
            try:
                os.rmdir(top)
            except OSError:
                break


# --- a pod as kubelet runs it -------------------------------------------------


class Pod:
    def __init__(self, t, profile, name, cmd, mem_limit=0):
        self.t, self.k, self.profile = t, t.k, profile
        self.uid = str(uuid.uuid4())
        self.name = "%s-%s" % (name, profile.name)
        self.parent = "%s/besteffort/pod%s" % (t.args.cgroup_root, self.uid)
        self.config = self.k.pod_config(self.name, self.uid, self.parent, profile.annotations)
        self.pod_id = self.cid = None
        t.cleanups.append(self.teardown)
        t0 = time.monotonic()
        self.pod_id = self.k.run_pod(self.config, profile.handler)
        log("%s: RunPodSandbox(handler %s) -> %s in %.1f s" % (self.name, profile.handler, self.pod_id[:12], time.monotonic() - t0))
        st = self.k.pod_status(self.pod_id).status
        need(st.state == t.api.SANDBOX_READY, "pod %s is not ready: state %d" % (self.name, st.state))
        need(st.runtime_handler == profile.handler, "pod's handler is %r" % st.runtime_handler)
        self.ip = st.network.ip
        need(self.ip, "pod %s has no IP from CNI" % self.name)
        log("%s: ready, IP %s" % (self.name, self.ip))
        t0 = time.monotonic()
        self.cid = self.k.create(self.pod_id, self.config, "c", t.args.image, cmd, mem_limit)
        self.k.start(self.cid)
        log("%s: container %s created and started in %.1f s" % (self.name, self.cid[:12], time.monotonic() - t0))
        wait_for("container running", lambda: self.k.status(self.cid).status.state == t.api.CONTAINER_RUNNING)

    def info(self):
        return json.loads(self.k.status(self.cid).info["info"])

    def exec(self, cmd, timeout=60):
        r = self.k.exec_sync(self.cid, cmd, timeout)
        out = r.stdout.decode(errors="replace")
        log("%s: exec %s -> %d: %r %r" % (self.name, cmd, r.exit_code, out, r.stderr.decode(errors="replace")))
        return r.exit_code, out

    def netns(self):
        """The pod's network namespace (CNI's, pinned by containerd)."""
        st = json.loads(self.k.pod_status(self.pod_id).info["info"])
        for ns in st["runtimeSpec"]["linux"]["namespaces"]:
            if ns["type"] == "network":
                return ns.get("path", "")
        return ""

    def teardown(self):
        """StopPodSandbox and RemovePodSandbox; then the runtime must have
        removed every cgroup below the pod's, which kubelet removes."""
        left = []
        if self.pod_id:
            self.k.stop_pod(self.pod_id)
            self.k.remove_pod(self.pod_id)
            self.pod_id = None
            left = cgroup_dirs(self.parent)
        remove_cgroup_tree(self.parent)
        need(not left, "cgroups left under the pod's parent: %s" % left)


class Profile:
    def __init__(self, spec):
        parts = spec.split(":")
        self.name, self.handler = parts[0], parts[1]
        self.annotations = {}
        for kv in parts[2:]:
            k, v = kv.split("=", 1)
            self.annotations[k] = v
        iso = self.annotations.get("io.hyrun.isolation")
        self.vm = iso == "vm" or (self.handler == "hyrun-vm" and iso != "container")


# --- the cases ----------------------------------------------------------------


def case_life(t, p):
    """One pod: the container runs at the right isolation, under the pod's
    cgroup parent with its limits; ExecSync returns output and exit code;
    ContainerStats reports usage; stop and remove leave nothing."""
    pod = Pod(t, p, "life", ["sh", "-c", "trap '' TERM; echo started >/tmp/mark; while :; do sleep 1; done"], MEM_LIMIT)
    # the container's shell may not have written its mark yet when it is
    # reported running: wait for it (bounded) inside the exec
    rc, out = pod.exec(["sh", "-c", "i=0; while [ ! -s /tmp/mark ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; "
                        "uname -r; cat /tmp/mark; hostname; echo to-stderr >&2; exit 3"])
    need(rc == 3, "ExecSync exit code %d, the command's 3" % rc)
    lines = out.split()
    need("started" in lines, "ExecSync did not see the container's /tmp/mark: %r" % out)
    # the pod's hostname (set on the sandbox's UTS namespace, which the
    # container joins; a guest takes its name)
    need(pod.name in lines, "the container's hostname is not the pod's %s: %r" % (pod.name, out))
    need(lines and lines[0] == t.release(p), "uname -r printed %r, wanted %s" % (lines[:1], t.release(p)))
    info = pod.info()
    pid = info["pid"]
    cgpath = info["runtimeSpec"]["linux"]["cgroupsPath"]
    log("container pid %d, cgroupsPath %s, /proc/pid/cgroup %s" % (pid, cgpath, cgroup_of(pid)))
    need(cgpath.startswith(pod.parent + "/"), "cgroupsPath %s is not under the pod's %s" % (cgpath, pod.parent))
    for ctrl, path in cgroup_of(pid).items():
        if ctrl in ("", "memory", "cpu", "pids"):
            need(path == cgpath, "the container's %s cgroup is %s, not %s" % (ctrl or "v2", path, cgpath))
    limit, where = memory_limit_of(pid)
    need(limit == MEM_LIMIT, "%s is %d, the container's limit %d" % (where, limit, MEM_LIMIT))
    if p.vm:
        rc, out = pod.exec(["sed", "-n", "s/MemTotal: *\\([0-9]*\\) kB/\\1/p", "/proc/meminfo"])
        kb = int(out.strip() or 0)
        need(0 < kb * 1024 <= MEM_LIMIT, "the guest's MemTotal %d kB is not within the 256 MiB limit" % kb)
    # the pod's sandbox (pause) container: in the same pod cgroup parent
    st = json.loads(t.k.pod_status(pod.pod_id).info["info"])
    spath = st["runtimeSpec"]["linux"]["cgroupsPath"]
    need(spath.startswith(pod.parent + "/"), "the sandbox's cgroupsPath %s is not under %s" % (spath, pod.parent))
    need(cgroup_of(st["pid"]).get("memory", cgroup_of(st["pid"]).get("")) == spath, "the sandbox runs outside its cgroup")
    stats = wait_for("stats with usage", lambda: (lambda s: s if s.memory.working_set_bytes.value > 0 else None)(t.k.stats(pod.cid)))
    log("stats: cpu %d ns, memory working set %d, usage %d" % (stats.cpu.usage_core_nano_seconds.value, stats.memory.working_set_bytes.value, stats.memory.usage_bytes.value))
    need(stats.attributes.id == pod.cid, "stats are for %r" % stats.attributes.id)
    need(stats.cpu.usage_core_nano_seconds.value > 0, "no CPU usage in ContainerStats")
    need(stats.memory.working_set_bytes.value > 0, "no memory working set in ContainerStats")
    t.k.stop(pod.cid, 2)
    st = t.k.status(pod.cid).status
    log("after StopContainer: state %d exit %d reason %s" % (st.state, st.exit_code, st.reason))
    need(st.state == t.api.CONTAINER_EXITED, "state after StopContainer is %d" % st.state)
    # it ignores SIGTERM: the grace period ends in SIGKILL
    need(st.exit_code == 137, "exit code %d after stop, wanted 137 (SIGKILL after the grace)" % st.exit_code)
    need(not os.path.exists("/proc/%d" % pid) or "zombie" in open("/proc/%d/status" % pid).read().lower(), "process %d still runs" % pid)
    t.k.remove(pod.cid)
    pod.teardown()


def case_net(t, p):
    """Two pods on the CNI bridge: each serves its name over HTTP and reaches
    the other's server by the IP CNI gave it."""
    serve = "mkdir -p /w; echo hello-from-$(hostname) >/w/index.html; httpd -f -p 8080 -h /w"
    a = Pod(t, p, "neta", ["sh", "-c", serve])
    b = Pod(t, p, "netb", ["sh", "-c", serve])
    need(a.ip != b.ip, "both pods have IP %s" % a.ip)
    get = "printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 10 %s 8080"
    for src, dst in ((a, b), (b, a)):
        def reached():
            rc, out = src.exec(["sh", "-c", "uname -r; ip -4 addr; " + get % dst.ip])
            return ("hello-from-" + dst.name) in out and out
        try:
            out = wait_for("%s reaching %s" % (src.name, dst.name), reached, 90)
        except Failed:
            try:
                net_diag((a, b))
            except Exception as e:  # the failure to report is the one above
                log("net_diag: %s" % e)
            raise
        need(out.split()[0] == t.release(p), "the client ran on kernel %s, not %s" % (out.split()[0], t.release(p)))
        need(src.ip in out, "%s's interface lacks its pod IP %s" % (src.name, src.ip))
    a.teardown()
    b.teardown()


def net_diag(pods):
    """Where frames stop: the counters of each pod's interfaces (its
    veth, the VMM's TAP) and of the bridge's ports, into the case's log."""
    import subprocess

    def run(*cmd):
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        log("$ %s\n%s" % (" ".join(cmd), r.stdout.decode(errors="replace")))

    ip = "/usr/bin/ip" if os.path.exists("/usr/bin/ip") else "ip"  # iproute2's (-n)
    for p in pods:
        ns = p.netns()
        log("%s: network namespace %s" % (p.name, ns))
        if ns.startswith("/var/run/netns/") or ns.startswith("/run/netns/"):
            run(ip, "-n", os.path.basename(ns), "-s", "-o", "link")
            run(ip, "-n", os.path.basename(ns), "-o", "-4", "addr")
    run(ip, "-s", "-o", "link")


CASES = {"life": case_life, "net": case_net}


class Test:
    def __init__(self, args, api, grpc_mod):
        self.args, self.api = args, api
        self.k = Kubelet(args.sock, api, grpc_mod)
        self.cleanups = []

    def release(self, p):
        return self.args.guest_release if p.vm else os.uname().release


def main():
    global LOG
    ap = argparse.ArgumentParser()
    ap.add_argument("--sock", required=True)
    ap.add_argument("--stubs", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--profile", action="append", required=True)
    ap.add_argument("--guest-release", default="")
    ap.add_argument("--cgroup-root", default="/cri-kubepods")
    ap.add_argument("--logdir", default="/tmp")
    ap.add_argument("cases", nargs="*", default=["life", "net"])
    args = ap.parse_args()
    sys.path.insert(0, args.stubs)
    import grpc
    import api_pb2

    t = Test(args, api_pb2, grpc)
    v = t.k.version()
    print("# CRI: %s %s, API %s" % (v.runtime_name, v.runtime_version, v.runtime_api_version), flush=True)
    profiles = [Profile(s) for s in args.profile]
    todo = [(c, p) for p in profiles for c in args.cases]
    print("1..%d" % len(todo), flush=True)
    for n, (c, p) in enumerate(todo, 1):
        name = "cri %s: %s (handler %s%s)" % (c, CASES[c].__doc__.split(":")[0].split(".")[0].strip(), p.handler, "".join(", %s=%s" % kv for kv in p.annotations.items()))
        logpath = os.path.join(args.logdir, "cri-%s-%s.log" % (c, p.name))
        LOG = open(logpath, "w")
        t.cleanups = []
        t0 = time.monotonic()
        why = None
        try:
            CASES[c](t, p)
        except Failed as e:
            why = str(e)
        except Exception as e:  # a gRPC error: its status and details
            why = "%s: %s" % (type(e).__name__, getattr(e, "details", lambda: str(e))())
            traceback.print_exc(file=LOG)
        for fn in reversed(t.cleanups):
            try:
                fn()
            except Exception as e:
                log("cleanup: %s" % e)
                why = why or "cleanup failed: %s" % e
        LOG.close()
        secs = time.monotonic() - t0
        if why is None:
            print("ok %d - %s (%.1f s)" % (n, name, secs), flush=True)
        else:
            print("not ok %d - %s # %s" % (n, name, why.replace("\n", " ")), flush=True)
            with open(logpath) as f:
                for line in f.read().splitlines()[-40:]:
                    print("#   " + line)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
