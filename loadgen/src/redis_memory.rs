//! What Redis counts as its own memory (`used_memory` of `INFO memory`),
//! asked in RESP over a plain TCP connection: one command needs no client
//! library.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

const INFO_MEMORY: &[u8] = b"*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n";

/// Redis's `used_memory`, in bytes. Blocks (a local Redis answers in well
/// under a millisecond).
pub fn used_memory(redis: SocketAddr) -> io::Result<u64> {
    let timeout = Duration::from_secs(2);
    let mut stream = TcpStream::connect_timeout(&redis, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(INFO_MEMORY)?;
    let info = bulk_string(&mut BufReader::new(stream))?;
    used_memory_in(&info).ok_or_else(|| io::Error::other("no used_memory in INFO memory"))
}

/// Reads one RESP bulk string (`$<length>\r\n<bytes>\r\n`).
fn bulk_string(reader: &mut impl BufRead) -> io::Result<String> {
    let mut header = String::new();
    reader.read_line(&mut header)?;
    let length: usize = header
        .strip_prefix('$')
        .and_then(|length| length.trim_end().parse().ok())
        .ok_or_else(|| io::Error::other(format!("Redis answered {:?}", header.trim_end())))?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    String::from_utf8(body).map_err(io::Error::other)
}

fn used_memory_in(info: &str) -> Option<u64> {
    info.lines()
        .find_map(|line| line.strip_prefix("used_memory:"))
        .and_then(|bytes| bytes.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_used_memory_from_a_bulk_string() {
        let info = "# Memory\r\nused_memory:1043456\r\nused_memory_human:1019.00K\r\n";
        let reply = format!("${}\r\n{info}\r\n", info.len());
        let body = bulk_string(&mut reply.as_bytes()).unwrap();
        assert_eq!(used_memory_in(&body), Some(1_043_456));
    }

    #[test]
    fn an_error_reply_says_what_redis_said() {
        let error = bulk_string(&mut "-NOAUTH Authentication required.\r\n".as_bytes()).unwrap_err();
        assert!(error.to_string().contains("NOAUTH"), "{error}");
    }
}
