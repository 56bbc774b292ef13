"""Moving a warm process into a sandbox that bubblewrap made.

bubblewrap builds a sandbox (namespaces, a read-only root, scratch filesystems) around a
program it starts; it cannot take in a process that is already running. Grading needs exactly
that: a pre-imported interpreter forks, and the fork must end up where bubblewrap would have
put a fresh one. So bubblewrap starts a *holder* (a shell that waits), and the fork joins the
holder's namespaces with setns(2), takes its root, and gives up every capability and the
right to gain any: from then on it is confined as bubblewrap's own program would be, and its
children are born in the holder's process namespace (whose end kills them all).

Linux only. ctypes, because `os.setns` is Python 3.12's and the course supports 3.11; the
capability calls have no Python wrapper at all.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import signal
import subprocess
from collections.abc import Sequence

NS_GET_USERNS = 0xB701  # linux/nsfs.h: the user namespace that owns a namespace
NS_GET_PARENT = 0xB702  # ... and a user namespace's parent
KINDS = ("ipc", "uts", "net", "pid", "mnt", "cgroup")
PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
PR_SET_PDEATHSIG = 1
CAPABILITY_VERSION_3 = 0x20080522
WAIT = "echo ready; read _"  # the holder: ready once bubblewrap has set up, gone at end of input


class SandboxError(OSError):
    """The sandbox could not be made or joined."""


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise SandboxError(errno, f"{what}: {os.strerror(errno)}")


class Holder:
    """A sandbox held open by a waiting shell bubblewrap started; `pid` is that shell's (in
    this process's view), the process whose namespaces and root a fork joins."""

    def __init__(self, bwrap_args: Sequence[str], prefix: Sequence[str] = ()) -> None:
        info_read, info_write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [*prefix, bwrap_args[0], "--info-fd", str(info_write), *bwrap_args[1:],
                 "--", "sh", "-c", WAIT],
                pass_fds=(info_write,), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE)
        finally:
            os.close(info_write)
        with os.fdopen(info_read, "rb") as info:
            said = info.read()
        assert self.process.stdout is not None and self.process.stderr is not None
        ready = self.process.stdout.readline()
        if ready != b"ready\n":
            problem = self.process.stderr.read().decode(errors="replace").strip()
            self.stop()
            raise SandboxError(0, f"bubblewrap did not start: {problem or 'no reason given'}")
        init = json.loads(said)["child-pid"]  # bubblewrap's own init; the shell is its child
        with open(f"/proc/{init}/task/{init}/children") as children:
            self.pid = int(children.read().split()[0])

    def stop(self) -> None:
        """Ends the sandbox: its process namespace goes, and everything in it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def join(pid: int) -> None:
    """This process (single-threaded: a fresh fork) into the namespaces and root of `pid`.

    Each namespace is joined from the user namespace that owns it: bubblewrap nests one user
    namespace in another (the inner one holds the sandbox's user id), and a namespace is owned
    by the outer one, or by this process's own when bubblewrap ran as root."""
    libc = _libc()
    opened = {kind: os.open(f"/proc/{pid}/ns/{kind}", os.O_RDONLY) for kind in KINDS
              if os.path.exists(f"/proc/{pid}/ns/{kind}")}
    root = os.open(f"/proc/{pid}/root", os.O_RDONLY | os.O_DIRECTORY)
    users = [os.open(f"/proc/{pid}/ns/user", os.O_RDONLY)]
    own = os.stat("/proc/self/ns/user").st_ino
    while os.fstat(users[-1]).st_ino != own:
        users.append(fcntl.ioctl(users[-1], NS_GET_PARENT))
    users.reverse()  # from this process's user namespace down to the holder's
    owners = {}
    for kind, fd in opened.items():
        owner = fcntl.ioctl(fd, NS_GET_USERNS)
        owners[kind] = os.fstat(owner).st_ino
        os.close(owner)
    same = {kind for kind, fd in opened.items()
            if os.fstat(fd).st_ino == os.stat(f"/proc/self/ns/{kind}").st_ino}
    for depth, user in enumerate(users):
        if depth:
            _check(libc.setns(user, 0), "joining the sandbox's user namespace")
        level = os.fstat(user).st_ino
        for kind in [kind for kind in opened if owners[kind] == level and kind not in same]:
            _check(libc.setns(opened[kind], 0), f"joining the sandbox's {kind} namespace")
    os.fchdir(root)
    os.chroot(".")
    os.chdir("/")
    for fd in [*opened.values(), root, *users]:
        os.close(fd)


def drop_privileges() -> None:
    """No capability left, none to gain (no setuid program, no file capability): what
    bubblewrap's --cap-drop ALL and its no_new_privs give the program it starts."""
    libc = _libc()
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    for capability in range(64):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            break  # past the last capability this kernel knows
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)

    class Header(ctypes.Structure):
        _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))

    class Data(ctypes.Structure):
        _fields_ = (("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32))

    _check(libc.capset(ctypes.byref(Header(CAPABILITY_VERSION_3, 0)), (Data * 2)()),
           "dropping capabilities")


def die_with_parent(signum: int = signal.SIGKILL) -> None:
    _libc().prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)


def forward_and_wait(child: int, holder: Holder | None = None) -> None:
    """The rest of a process that has forked `child` into a sandbox: the signals a caller sends
    it go on to the child, and the child's end becomes its own (the holder, and with it
    whatever the child left running, goes first)."""
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT,
                   signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(signum, lambda received, _: os.kill(child, received))
    _, status = os.waitpid(child, 0)
    if holder is not None:
        holder.stop()
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        with contextlib.suppress(OSError, ValueError):
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code & 0xFF)
