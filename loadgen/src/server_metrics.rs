//! The server's own counts from its `/metrics` page: rooms, seats taken
//! (peers) and Socket.IO connections, read over a plain HTTP/1.1 request.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What `/metrics` said of the rooms, seats and connections.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub rooms: u64,
    pub peers: u64,
    pub connections: u64,
}

impl Counts {
    pub fn to_json(self) -> Value {
        json!({"rooms": self.rooms, "peers": self.peers, "connections": self.connections})
    }
}

/// Reads `/metrics` of every server: the rooms and peers of the first (servers
/// sharing rooms through Redis all count the same rooms) and the connections
/// of all of them together.
pub async fn read(servers: &[SocketAddr]) -> io::Result<Counts> {
    let mut total = Counts::default();
    for (i, &server) in servers.iter().enumerate() {
        let counts = read_one(server).await?;
        if i == 0 {
            total.rooms = counts.rooms;
            total.peers = counts.peers;
        }
        total.connections += counts.connections;
    }
    Ok(total)
}

async fn read_one(server: SocketAddr) -> io::Result<Counts> {
    let fetch = async {
        let mut stream = TcpStream::connect(server).await?;
        let request = format!("GET /metrics HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, io::Error>(String::from_utf8_lossy(&response).into_owned())
    };
    let response = tokio::time::timeout(Duration::from_secs(10), fetch)
        .await
        .map_err(|_| io::Error::other("no /metrics answer in 10 s"))??;
    parse(&response)
        .ok_or_else(|| io::Error::other("no duet_rooms, duet_peers or duet_connections in /metrics"))
}

/// The three gauges from a Prometheus text exposition (headers before it are
/// skipped: no line of theirs starts with a series name).
fn parse(text: &str) -> Option<Counts> {
    let gauge = |name: &str| {
        text.lines().find_map(|line| {
            let value = line.strip_prefix(name)?.strip_prefix(' ')?;
            value.trim().parse::<f64>().ok().map(|v| v.max(0.0) as u64)
        })
    };
    Some(Counts {
        rooms: gauge("duet_rooms")?,
        peers: gauge("duet_peers")?,
        connections: gauge("duet_connections")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_gauges() {
        let text = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n\
            # HELP duet_rooms Rooms\n# TYPE duet_rooms gauge\nduet_rooms 12\n\
            duet_peers 3\nduet_connections 4\nduet_turn_allocations 0\n";
        assert_eq!(
            parse(text),
            Some(Counts {
                rooms: 12,
                peers: 3,
                connections: 4
            })
        );
        assert_eq!(parse("duet_rooms 1\n"), None);
    }
}
