//! A load balancer's health check of a proxy: one HTTP/1.0 GET of `/-/healthz` over a plain TCP
//! connection, bounded by a timeout, as a cloud load balancer's prober sends it. The load
//! generator's async client is not used here: the orchestrator's timeline is synchronous.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The proxy's health route (Ray Serve's `/-/healthz`).
pub const HEALTH_ROUTE: &str = "/-/healthz";

/// True when the proxy at `proxy_url` (`http://host:port/...`) answers `GET /-/healthz` with
/// status 200 within `timeout`; false when the connection is refused, the status is another, or
/// no answer comes in time.
pub fn answers_200(proxy_url: &str, timeout: Duration) -> bool {
    let Some(host_port) = proxy_url.strip_prefix("http://").and_then(|rest| rest.split('/').next()) else {
        return false;
    };
    let deadline = Instant::now() + timeout;
    let Some(addr) = host_port.to_socket_addrs().ok().and_then(|mut a| a.next()) else { return false };
    let Ok(mut conn) = TcpStream::connect_timeout(&addr, timeout) else { return false };
    let request = format!("GET {HEALTH_ROUTE} HTTP/1.0\r\nHost: {host_port}\r\n\r\n");
    let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
    if conn.set_write_timeout(Some(left)).is_err() || conn.write_all(request.as_bytes()).is_err() {
        return false;
    }
    // The status line: `HTTP/1.x 200 ...`.
    let mut head = [0u8; 12];
    let mut got = 0;
    while got < head.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || conn.set_read_timeout(Some(left)).is_err() {
            return false;
        }
        match conn.read(&mut head[got..]) {
            Ok(0) | Err(_) => return false,
            Ok(n) => got += n,
        }
    }
    head.starts_with(b"HTTP/1.") && &head[8..12] == b" 200"
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A server that answers one connection with `reply` (or holds it, with `None`).
    fn serve_once(reply: Option<&'static str>) -> (String, std::thread::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let n = conn.read(&mut buf).unwrap();
            assert!(String::from_utf8_lossy(&buf[..n]).starts_with("GET /-/healthz HTTP/1.0\r\n"));
            match reply {
                Some(r) => conn.write_all(r.as_bytes()).unwrap(),
                None => std::thread::sleep(Duration::from_millis(300)),
            }
        });
        (url, handle)
    }

    #[test]
    fn a_200_passes_and_a_503_a_refusal_or_silence_past_the_timeout_fail() {
        let (url, h) = serve_once(Some("HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\nsuccess"));
        assert!(answers_200(&url, Duration::from_secs(5)));
        h.join().unwrap();
        let (url, h) = serve_once(Some("HTTP/1.1 503 Service Unavailable\r\n\r\n"));
        assert!(!answers_200(&url, Duration::from_secs(5)));
        h.join().unwrap();
        let (url, h) = serve_once(None);
        assert!(!answers_200(&url, Duration::from_millis(50)), "no answer within the timeout");
        h.join().unwrap();
        let closed = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", closed.local_addr().unwrap());
        drop(closed);
        assert!(!answers_200(&url, Duration::from_secs(1)), "refused");
    }
}
