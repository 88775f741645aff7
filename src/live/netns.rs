//! A private network for a live run. Ray 2.60's gRPC servers (GCS, raylets, workers, agents)
//! listen on every interface whatever address they advertise, so live mode first moves itself
//! into a fresh Linux network namespace whose only interface is loopback, brought up here. The
//! helper, Ray, Redis and the load generator all inherit it: nothing of the cluster can be reached
//! from outside this process tree, and no port of the host can clash with the cluster's. The
//! namespace disappears with the last of these processes.
//!
//! As root this is `unshare(CLONE_NEWNET)`; otherwise a user namespace comes with it, mapping the
//! caller's uid and gid, which the kernel allows only while the process has a single thread: call
//! [`isolate`] before any thread is started.

use std::io;

use super::LiveError;

/// What to say when the namespace cannot be made.
const HOW_TO_SHARE: &str = "run as root, enable unprivileged user namespaces \
     (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu also kernel.apparmor_restrict_unprivileged_userns=0), \
     or pass --shared-network to run in the host's network, where Ray's servers listen on every interface";

/// Moves this thread (and everything it starts afterwards) into a new network namespace with
/// loopback up.
pub fn isolate() -> Result<(), LiveError> {
    unshare_network().map_err(|e| {
        LiveError::Environment(format!(
            "cannot create a private network namespace for the cluster ({e}); {HOW_TO_SHARE}"
        ))
    })?;
    loopback_up().map_err(|e| LiveError::Environment(format!("cannot bring up loopback in the private network ({e})")))
}

fn unshare_network() -> io::Result<()> {
    // SAFETY: unshare(2) and geteuid(2) take no pointers.
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } == 0 {
        return Ok(());
    }
    let as_root = io::Error::last_os_error();
    // SAFETY: as above.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    if uid == 0 {
        return Err(as_root);
    }
    // SAFETY: as above; fails with EINVAL if another thread exists.
    if unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET) } != 0 {
        return Err(io::Error::last_os_error());
    }
    std::fs::write("/proc/self/uid_map", format!("{uid} {uid} 1\n"))?;
    std::fs::write("/proc/self/setgroups", "deny\n")?;
    std::fs::write("/proc/self/gid_map", format!("{gid} {gid} 1\n"))
}

fn loopback_up() -> io::Result<()> {
    // SAFETY: a plain datagram socket, closed below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `ifreq` is plain old data; zeroed is a valid value. The ioctls read and write only
    // that struct, whose name is NUL-terminated ("lo" in a 16-byte array).
    let result = unsafe {
        let mut req: libc::ifreq = std::mem::zeroed();
        for (dst, src) in req.ifr_name.iter_mut().zip(b"lo") {
            *dst = *src as libc::c_char;
        }
        if libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req) < 0 {
            Err(io::Error::last_os_error())
        } else {
            req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            if libc::ioctl(fd, libc::SIOCSIFFLAGS, &req) < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
        }
    };
    // SAFETY: `fd` is ours and closed once.
    unsafe { libc::close(fd) };
    result
}
