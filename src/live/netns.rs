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
use std::os::fd::AsRawFd;

use nix::sched::{CloneFlags, unshare};
use nix::sys::socket::{AddressFamily, SockFlag, SockType, socket};
use nix::unistd::{getegid, geteuid};

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
    let as_root = match unshare(CloneFlags::CLONE_NEWNET) {
        Ok(()) => return Ok(()),
        Err(e) => io::Error::from(e),
    };
    let (uid, gid) = (geteuid(), getegid());
    if uid.is_root() {
        return Err(as_root);
    }
    // Fails with EINVAL if another thread exists.
    unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNET)?;
    std::fs::write("/proc/self/uid_map", format!("{uid} {uid} 1\n"))?;
    std::fs::write("/proc/self/setgroups", "deny\n")?;
    std::fs::write("/proc/self/gid_map", format!("{gid} {gid} 1\n"))
}

/// Sets IFF_UP on `lo`. nix has no safe wrapper for SIOCGIFFLAGS/SIOCSIFFLAGS, so the two
/// ioctls stay `unsafe`; the socket is an `OwnedFd`, closed on drop.
fn loopback_up() -> io::Result<()> {
    let sock = socket(AddressFamily::Inet, SockType::Datagram, SockFlag::SOCK_CLOEXEC, None)?;
    let fd = sock.as_raw_fd();
    // SAFETY: `ifreq` is plain old data; zeroed is a valid value. The ioctls read and write only
    // that struct, whose name is NUL-terminated ("lo" in a 16-byte array), on a socket we own.
    unsafe {
        let mut req: libc::ifreq = std::mem::zeroed();
        for (dst, src) in req.ifr_name.iter_mut().zip(b"lo") {
            *dst = *src as libc::c_char;
        }
        if libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req) < 0 {
            return Err(io::Error::last_os_error());
        }
        req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        if libc::ioctl(fd, libc::SIOCSIFFLAGS, &req) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}
