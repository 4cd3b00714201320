#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The guest agent and guest kernel checked against a reference VMM: QEMU
(`-M microvm`, software emulation, no KVM needed) with the device types
hyrun's VMM provides -- virtio-9p sharing a busybox rootfs folder and a
virtio-console with the named ports hyrun.ctl/stdin/stdout/stderr.  This
script plays the VMM's side of the control protocol (kvm-shim/proto/
vmproto.h) and prints TAP, one line per case.

    agent-in-qemu.py HYRUN HYRUN_AGENT VMLINUX

Each case boots a fresh guest (about 1-3 s under TCG)."""
import json, os, shutil, socket, struct, subprocess, sys, tempfile, time

READY, CREATED, STARTED, EXIT, ERROR, CONFIG, START, SIGNAL = range(1, 9)
NET = 17  # kvm-shim/proto/vmproto.h: after the eight exec messages
NAMES = {READY: "READY", CREATED: "CREATED", STARTED: "STARTED", EXIT: "EXIT",
         ERROR: "ERROR", CONFIG: "CONFIG", START: "START", SIGNAL: "SIGNAL"}

hyrun, agent, vmlinux = sys.argv[1:4]
here = os.path.dirname(os.path.abspath(__file__))
top = os.path.dirname(os.path.dirname(here))
work = tempfile.mkdtemp(prefix="hyrun-agent-qemu.")
n_case = 0
failed = 0


def make_initramfs():
    root = os.path.join(work, "initramfs")
    os.makedirs(os.path.join(root, "dev"))
    shutil.copy(agent, os.path.join(root, "init"))
    os.mknod(os.path.join(root, "dev", "console"), 0o600 | 0o020000, os.makedev(5, 1))
    out = os.path.join(work, "init.cpio")
    with open(out, "wb") as f:
        subprocess.run("find . | cpio -o -H newc --quiet", shell=True, cwd=root,
                       stdout=f, check=True)
    return out


def make_bundle(name, args):
    b = os.path.join(work, name)
    subprocess.run([os.path.join(top, "contrib", "make-busybox-bundle.sh"), b, "--"] + args,
                   check=True, env=dict(os.environ, HYRUN=hyrun), stdout=subprocess.DEVNULL)
    with open(os.path.join(b, "config.json")) as f:
        return b, f.read()


class Guest:
    """One QEMU boot; every port is a Unix socket this script listens on."""

    def __init__(self, rootfs, initrd):
        self.socks = {}
        args = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-M", "microvm,acpi=off",
                "-m", "256", "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none",
                "-no-reboot", "-serial", "file:" + os.path.join(work, "console.log"),
                "-kernel", vmlinux, "-initrd", initrd,
                "-append", "console=ttyS0 reboot=t panic=-1 quiet",
                "-fsdev", "local,id=f0,path=%s,security_model=none" % rootfs,
                "-device", "virtio-9p-device,fsdev=f0,mount_tag=rootfs",
                "-device", "virtio-serial-device"]
        listeners = {}
        for port in ("ctl", "stdin", "stdout", "stderr"):
            path = os.path.join(work, port + ".sock")
            if os.path.exists(path):
                os.unlink(path)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(path)
            s.listen(1)
            listeners[port] = s
            args += ["-chardev", "socket,id=%s,path=%s" % (port, path),
                     "-device", "virtserialport,chardev=%s,name=hyrun.%s" % (port, port)]
        self.qemu = subprocess.Popen(args, stdin=subprocess.DEVNULL)
        for port, s in listeners.items():
            s.settimeout(20)
            self.socks[port], _ = s.accept()
            s.close()
        self.buf = b""

    def send(self, t, payload=b""):
        self.socks["ctl"].sendall(struct.pack("<II", t, len(payload)) + payload)

    def recv(self, timeout=60):
        s = self.socks["ctl"]
        s.settimeout(timeout)
        while True:
            if len(self.buf) >= 8:
                t, n = struct.unpack("<II", self.buf[:8])
                if len(self.buf) >= 8 + n:
                    p = self.buf[8:8 + n]
                    self.buf = self.buf[8 + n:]
                    return t, p
            d = s.recv(65536)
            if not d:
                raise EOFError("the agent closed hyrun.ctl")
            self.buf += d

    def read_all(self, port, timeout=30):
        s = self.socks[port]
        s.settimeout(timeout)
        out = b""
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                out += d
        except socket.timeout:
            pass
        return out

    def close(self):
        for s in self.socks.values():
            s.close()
        try:
            self.qemu.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.qemu.kill()
            self.qemu.wait()


def run_case(name, args, stdin=b"", signal_after=None, edit=None, expect_error=False,
             prepare=None):
    global n_case, failed
    n_case += 1
    b, cfg = make_bundle("b%d" % n_case, args)
    if edit:
        cfg = edit(cfg)
    if prepare:
        prepare(os.path.join(b, "rootfs"))
    t0 = time.monotonic()
    g = Guest(os.path.join(b, "rootfs"), initrd)
    res = {"rootfs": os.path.join(b, "rootfs")}
    try:
        t, p = g.recv()
        assert t == READY, "first message %s" % NAMES.get(t)
        res["release"] = p.decode()
        g.send(NET)  # no interface but lo: an empty NET, always sent
        g.send(CONFIG, b"case%d\0" % n_case + cfg.encode())
        t, p = g.recv()
        if expect_error:
            res["error"] = p.decode() if t == ERROR else None
            return res
        assert t == CREATED, "%s: %s" % (NAMES.get(t), p.decode(errors="replace"))
        g.send(START)
        t, p = g.recv()
        assert t == STARTED, "%s: %s" % (NAMES.get(t), p.decode(errors="replace"))
        if stdin:
            g.socks["stdin"].sendall(stdin)
        g.socks["stdin"].shutdown(socket.SHUT_WR)
        g.socks["stdin"].close()
        if signal_after is not None:
            time.sleep(signal_after)
            g.send(SIGNAL, struct.pack("<I", 15))
        t, p = g.recv()
        assert t == EXIT, "%s: %s" % (NAMES.get(t), p.decode(errors="replace"))
        res["status"] = struct.unpack("<I", p)[0]
        res["stdout"] = g.read_all("stdout", 5)
        res["stderr"] = g.read_all("stderr", 1)
        return res
    finally:
        g.close()
        res["seconds"] = time.monotonic() - t0


def check(name, cond, res):
    global failed
    print("%sok %d - %s" % ("" if cond else "not ", n_case, name))
    if not cond:
        failed += 1
        print("# " + repr({k: v for k, v in res.items() if k != "rootfs"}))
        try:
            print("# console: " + open(os.path.join(work, "console.log")).read()[-2000:].replace("\n", "\n# "))
        except OSError:
            pass
    else:
        print("# %.1f s" % res["seconds"])
    sys.stdout.flush()


def safe(name, fn):
    global n_case, failed
    try:
        fn()
    except Exception as e:  # one broken case must not hide the others
        print("not ok %d - %s # %s" % (n_case, name, e))
        failed += 1


initrd = make_initramfs()
host_release = os.uname().release
print("1..6")


def c1():
    r = run_case("uname", ["sh", "-c", "uname -r; echo hello"])
    out = r.get("stdout", b"").decode()
    check("agent: the workload prints the guest's kernel release, not the host's (%s)"
          % out.split("\n")[0], r.get("status") == 0 and out.endswith("hello\n")
          and out.split("\n")[0] == r["release"] and r["release"] != host_release, r)


def c2():
    r = run_case("exit", ["sh", "-c", "echo err >&2; exit 7"])
    check("agent: the exit status and stderr are relayed (exit 7)",
          r.get("status") == 7 << 8 and r.get("stderr") == b"err\n", r)


def c3():
    r = run_case("stdin", ["sh", "-c", "cat; echo done"], stdin=b"from the host\n")
    check("agent: stdin reaches the workload and EOF ends it",
          r.get("stdout") == b"from the host\ndone\n" and r.get("status") == 0, r)


def c4():
    def prepare(rootfs):
        with open(os.path.join(rootfs, "placed-on-host"), "w") as f:
            f.write("from the folder\n")
    def writable(cfg):
        c = json.loads(cfg)
        c["root"]["readonly"] = False
        return json.dumps(c)
    r = run_case("share", ["sh", "-c", "echo inside > /written-in-guest; cat /placed-on-host"],
                 prepare=prepare, edit=writable)
    written = os.path.join(r["rootfs"], "written-in-guest")
    check("agent: the rootfs folder is shared live, both ways",
          r.get("status") == 0 and r.get("stdout") == b"from the folder\n"
          and os.path.exists(written) and open(written).read() == "inside\n", r)


def c5():
    r = run_case("signal", ["sh", "-c", "trap 'echo got TERM; exit 3' TERM; echo up; while :; do sleep 0.1; done"],
                 signal_after=2)
    check("agent: SIGNAL is delivered to the workload (SIGTERM trap runs)",
          r.get("status") == 3 << 8 and b"got TERM" in r.get("stdout", b""), r)


def c6():
    def edit(cfg):
        c = json.loads(cfg)
        c["process"]["args"] = []
        return json.dumps(c)
    r = run_case("badconfig", ["true"], edit=edit, expect_error=True)
    check("agent: a bad config.json comes back as ERROR naming the field (%s)" % r.get("error"),
          r.get("error") is not None and "process.args" in r["error"], r)


for i, fn in enumerate((c1, c2, c3, c4, c5, c6)):
    safe("case %d" % (i + 1), fn)
shutil.rmtree(work, ignore_errors=True)
sys.exit(1 if failed else 0)
