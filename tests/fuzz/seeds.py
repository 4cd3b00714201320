#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/
# seed-*): well-formed inputs for each parser, as its real peer sends them.
# Run once after a format change; crash inputs kept in the corpus are named
# crash-* and are not rewritten.  config.json seeds come from `hyrun spec`
# and the busybox bundle (copied in by hand).
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))


def out(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# --- 9P2000.L: a session as Linux's v9fs sends it -------------------------
def s(text):
    b = text.encode()
    return struct.pack("<H", len(b)) + b


def msg(t, body, tag=1):
    return struct.pack("<IBH", 7 + len(body), t, tag) + body


u32 = lambda v: struct.pack("<I", v)
u64 = lambda v: struct.pack("<Q", v)
NOFID = 0xFFFFFFFF
session = [
    msg(100, u32(131072) + s("9P2000.L"), 0xFFFF),
    msg(104, u32(0) + u32(NOFID) + s("root") + s("") + u32(0)),
    msg(110, u32(0) + u32(1) + struct.pack("<H", 0)),
    msg(14, u32(1) + s("new") + u32(0o102) + u32(0o644) + u32(0)),
    msg(118, u32(1) + u64(0) + u32(5) + b"hello"),
    msg(116, u32(1) + u64(0) + u32(100)),
    msg(24, u32(1) + u64(0x7FF)),
    msg(26, u32(1) + u32(0x1 | 0x8) + u32(0o600) + u32(0) + u32(0) + u64(2) + u64(0) * 4),
    msg(72, u32(0) + s("d") + u32(0o755) + u32(0)),
    msg(110, u32(0) + u32(2) + struct.pack("<H", 2) + s("d") + s("..")),
    msg(16, u32(0) + s("ln") + s("file") + u32(0)),
    msg(110, u32(0) + u32(3) + struct.pack("<H", 1) + s("ln")),
    msg(22, u32(3)),
    msg(74, u32(0) + s("new") + u32(0) + s("moved")),
    msg(110, u32(0) + u32(4) + struct.pack("<H", 0)),
    msg(12, u32(4) + u32(0o200000)),
    msg(40, u32(4) + u64(0) + u32(8192)),
    msg(8, u32(0)),
    msg(18, u32(0) + s("p") + u32(0o10644) + u32(0) + u32(0) + u32(0)),
    msg(76, u32(0) + s("ln") + u32(0)),
    msg(70, u32(0) + u32(1) + s("hard")),
    msg(50, u32(1)),
    msg(52, u32(1) + bytes(1) + u32(0) + u64(0) + u64(0) + u32(1) + s("c")),
    msg(54, u32(1) + bytes(1) + u64(0) + u64(0) + u32(1) + s("c")),
    msg(122, u32(3)),
    msg(120, u32(1)),
]
out("p9", "session", b"\x00" + b"".join(session))
out("p9", "session-mapped", b"\x80" + b"".join(session))
out("p9", "tiny-reply", b"\x09" + b"".join(session[:2] + session[14:17]))
out("p9", "escape", b"\x00" + b"".join(session[:2] + [
    msg(110, u32(0) + u32(5) + struct.pack("<H", 2) + s("to-root") + s("etc")),
    msg(110, u32(0) + u32(6) + struct.pack("<H", 1) + s("to-up")),
    msg(12, u32(6) + u32(0)),
    msg(110, u32(0) + u32(7) + struct.pack("<H", 1) + s("fifo")),
    msg(12, u32(7) + u32(0)),
]))

# --- the host<->guest protocol ---------------------------------------------
def vm(t, payload=b""):
    return struct.pack("<II", t, len(payload)) + payload


READY, CREATED, STARTED, EXIT, ERROR, CONFIG, START, SIGNAL = range(1, 9)
EXEC, E_STDIN, E_SIGNAL, E_STARTED, E_STDOUT, E_STDERR, E_EXIT, E_ERROR = range(9, 17)
out("vmproto", "boot", b"\x07" + vm(READY, b"6.1.0") + vm(CONFIG, b"id\0{}") + vm(CREATED)
    + vm(START) + vm(STARTED, u32(42)) + vm(SIGNAL, u32(15)) + vm(EXIT, u32(0x0F00)))
out("vmproto", "exec", b"\x00" + vm(EXEC, u32(1) + b'{"args":["sh"]}') + vm(E_STARTED, u32(1) + u32(7))
    + vm(E_STDIN, u32(1) + b"input") + vm(E_STDIN, u32(1)) + vm(E_STDOUT, u32(1) + b"out")
    + vm(E_STDERR, u32(1) + b"err") + vm(E_SIGNAL, u32(1) + u32(2)) + vm(E_EXIT, u32(1) + u32(0)))
out("vmproto", "error", b"\x01" + vm(ERROR, b"it failed") + vm(E_ERROR, u32(3) + b"no such file"))

# --- virtqueues: desc table at 0, avail at 0x1000, used at 0x2000 --------
def desc(addr, length, flags=0, nxt=0):
    return struct.pack("<QIHH", addr, length, flags, nxt)


def ram(descs, ring, extra=()):
    b = bytearray(0x5000)
    d = b"".join(descs)
    b[0:len(d)] = d
    avail = struct.pack("<HH", 0, len(ring)) + b"".join(struct.pack("<H", x) for x in ring)
    b[0x1000:0x1000 + len(avail)] = avail
    for off, data in extra:
        b[off:off + len(data)] = data
    return bytes(b).rstrip(b"\0")  # the harness zeroes the rest


NEXT, WRITE, INDIRECT = 1, 2, 4
out("virtq", "chain", b"\x04\x00" + ram([desc(0x3000, 16, NEXT, 1), desc(0x3100, 64, WRITE)]
                                       + [desc(0x3200, 8)], [0, 2], [(0x3000, b"request bytes...")]))
out("virtq", "indirect", b"\x04\x01" + ram([desc(0x4000, 32, INDIRECT)], [0],
                                          [(0x4000, desc(0x3000, 8, NEXT, 1) + desc(0x3100, 8, WRITE))]))
out("virtq", "event-idx", b"\x03\x02" + ram([desc(0x3000, 4), desc(0x3010, 4)], [0, 1]))

# --- kernels: a tiny ELF vmlinux with a PVH note, a tiny bzImage ----------
def elf():
    note = struct.pack("<III", 4, 4, 18) + b"Xen\0" + u32(0x100100)
    ehdr_size, phdr_size = 64, 56
    code_off = ehdr_size + 2 * phdr_size
    code = b"\xf4" * 64
    note_off = code_off + len(code)
    ehdr = (b"\x7fELF\x02\x01\x01" + bytes(9)
            + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0x100000, ehdr_size, 0, 0,
                          ehdr_size, phdr_size, 2, 64, 0, 0))
    load = struct.pack("<IIQQQQQQ", 1, 5, code_off, 0x100000, 0x100000, len(code), 4096, 0x1000)
    pnote = struct.pack("<IIQQQQQQ", 4, 4, note_off, 0, 0, len(note), len(note), 4)
    return ehdr + load + pnote + code + note


def bzimage():
    b = bytearray(5 * 512 + 1024)
    b[0x1f1] = 4  # setup_sects
    b[0x1fe:0x200] = struct.pack("<H", 0xAA55)
    b[0x201] = 0x6A  # jump: header up to 0x26c
    b[0x202:0x206] = b"HdrS"
    b[0x206:0x208] = struct.pack("<H", 0x020F)
    b[0x22c:0x230] = u32(0x7FFFFFFF)  # initrd_addr_max
    b[0x236:0x238] = struct.pack("<H", 0x1)  # xloadflags: XLF_KERNEL_64
    b[0x238:0x23c] = u32(2048)  # cmdline_size
    b[0x260:0x264] = u32(0x10000)  # init_size
    return bytes(b)


out("boot", "elf-pvh", elf())
out("boot", "bzimage", bzimage())

# --- virtio-console over MMIO: records of fuzz_console.c -----------------
def ctrl(port, event, value):
    return struct.pack("<IHH", port, event, value)


def offer(q, data=None, wlen=0):
    if data is None:
        return bytes([2, q, wlen, 1])
    return bytes([2, q, len(data), 0]) + data


def notify(q):
    return bytes([3, q])


CRX, CTX = 2, 3
hs = b"".join(offer(CRX, None, 64) for _ in range(6)) + notify(CRX)
hs += offer(CTX, ctrl(0, 0, 1)) + notify(CTX)  # DEVICE_READY
for port in range(4):
    hs += offer(CTX, ctrl(port, 3, 1)) + notify(CTX)  # PORT_READY
hs += offer(CTX, ctrl(1, 6, 1)) + notify(CTX) + offer(CTX, ctrl(2, 6, 1)) + notify(CTX)
hs += offer(4, None, 128) + notify(4) + bytes([5, 40, 6])  # port 1: host input
hs += offer(7, b"to the ctl port") + notify(7) + offer(9, b"guest stdout bytes") + notify(9)
hs += bytes([7, 80, 24]) + bytes([0, 0x70, 0, 0, 0, 0, 0])  # resize, then reset
out("console", "handshake", hs)
out("console", "flood", (offer(CTX, ctrl(0, 0, 1)) + notify(CTX)) * 50)

# --- virtio-net over MMIO: records of fuzz_net.c ---------------------------
def noffer(q, data=None, wlen=0):
    if data is None:
        return bytes([2, q]) + struct.pack("<H", wlen) + b"\x01"
    return bytes([2, q]) + struct.pack("<H", len(data)) + b"\x00" + data


def host_frame(n):
    return bytes([5]) + struct.pack("<H", n)


NRX, NTX = 0, 1
eth = bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + b"\x08\x00" + bytes(46)  # 60-byte frame
seed = b"".join(noffer(NRX, None, 1526) for _ in range(4)) + notify(NRX)
seed += host_frame(60) + host_frame(1514) + host_frame(3000) + bytes([6])  # 3000: dropped
seed += noffer(NTX, bytes(12) + eth) + notify(NTX)
seed += noffer(NTX, b"\x01" + bytes(11) + eth) + notify(NTX)  # NEEDS_CSUM: dropped
seed += noffer(NTX, bytes(12) + eth[:10]) + notify(NTX)  # runt: dropped
out("net", "traffic", seed)
out("net", "small-rx", noffer(NRX, None, 20) + notify(NRX) + host_frame(60) + bytes([6]))

# --- linux.seccomp: the default bundle with filters as Docker and runc
# users write them (fuzz_seccomp.c) ---------------------------------------
import json

with open(os.path.join(here, "corpus", "spec", "seed-default.json")) as f:
    base = json.load(f)


def with_seccomp(sc):
    c = json.loads(json.dumps(base))
    c.setdefault("linux", {})["seccomp"] = sc
    return json.dumps(c, indent=1).encode()


out("seccomp", "errno-default", with_seccomp({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "syscalls": [
        {"names": ["read", "write", "exit", "exit_group", "execve", "brk", "mmap"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ", "valueTwo": 0}]},
        {"names": ["no_such_syscall"], "action": "SCMP_ACT_ALLOW"},
    ]}))
out("seccomp", "allow-default", with_seccomp({
    "defaultAction": "SCMP_ACT_ALLOW",
    "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
    "syscalls": [
        {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
        {"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS",
         "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_NE"}, {"index": 0, "value": 1, "op": "SCMP_CMP_GT"}]},
        {"names": ["ptrace"], "action": "SCMP_ACT_TRACE"},
        {"names": ["uname"], "action": "SCMP_ACT_LOG"},
    ]}))
out("seccomp", "notify", with_seccomp({
    "defaultAction": "SCMP_ACT_ALLOW",
    "listenerPath": "/run/agent.sock", "listenerMetadata": "meta",
    "flags": ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
    "syscalls": [{"names": ["mount", "umount2"], "action": "SCMP_ACT_NOTIFY"}]}))
