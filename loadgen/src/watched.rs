//! The processes a run watches, the servers (in `--server-pid` order) and
//! Redis, and how a figure of each goes into a scenario's report.

use std::io;
use std::iter::Sum;

use serde_json::{Value, json};

/// The process ids given on the command line.
#[derive(Clone, Debug, Default)]
pub struct Watched {
    pub servers: Vec<u32>,
    pub redis: Option<u32>,
}

/// One figure of every watched process; `None` where it could not be read.
pub struct Figures<T> {
    servers: Vec<Option<T>>,
    /// `None` when Redis is not watched.
    redis: Option<Option<T>>,
}

impl Watched {
    pub fn read<T>(&self, read: impl Fn(u32) -> io::Result<T>) -> Figures<T> {
        Figures {
            servers: self.servers.iter().map(|&pid| read(pid).ok()).collect(),
            redis: self.redis.map(|pid| read(pid).ok()),
        }
    }
}

impl Figures<f64> {
    /// What each process added since `start`, e.g. CPU seconds over a window.
    pub fn since(&self, start: &Self) -> Self {
        let minus = |end: Option<f64>, start: Option<f64>| end.zip(start).map(|(end, start)| end - start);
        Figures {
            servers: (self.servers.iter().zip(&start.servers))
                .map(|(&end, &start)| minus(end, start))
                .collect(),
            redis: self.redis.zip(start.redis).map(|(end, start)| minus(end, start)),
        }
    }
}

impl<T: Copy + Sum> Figures<T> {
    /// The servers together: `None` if none is watched or one could not be read.
    pub fn servers_total(&self) -> Option<T> {
        if self.servers.is_empty() {
            return None;
        }
        self.servers.iter().copied().sum()
    }

    /// Writes the figure into the `report` object as `fields` spells it out
    /// (an object): the servers together under keys prefixed `server_` (so
    /// one server reads as it always did), each server apart in the
    /// `servers` list when there are several, and Redis under keys prefixed
    /// `redis_`.
    pub fn report(&self, report: &mut Value, fields: impl Fn(Option<T>) -> Value) {
        set_all(report, "server_", fields(self.servers_total()));
        if self.servers.len() > 1 {
            let servers = &mut report["servers"];
            if servers.is_null() {
                *servers = Value::Array(vec![json!({}); self.servers.len()]);
            }
            for (server, &figure) in self.servers.iter().enumerate() {
                set_all(&mut servers[server], "", fields(figure));
            }
        }
        if let Some(redis) = self.redis {
            set_all(report, "redis_", fields(redis));
        }
    }
}

/// Sets each field of the `fields` object in `report`, its key prefixed.
fn set_all(report: &mut Value, prefix: &str, fields: Value) {
    if let Value::Object(fields) = fields {
        for (key, value) in fields {
            report[format!("{prefix}{key}")] = value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(servers: &[Option<f64>], redis: Option<Option<f64>>) -> Figures<f64> {
        Figures {
            servers: servers.to_vec(),
            redis,
        }
    }

    #[test]
    fn one_server_reads_as_before() {
        let mut report = json!({"scenario": "x"});
        figures(&[Some(2.0)], None).report(&mut report, |cpu| json!({"cpu": cpu}));
        assert_eq!(report, json!({"scenario": "x", "server_cpu": 2.0}));
    }

    #[test]
    fn several_servers_together_apart_and_redis() {
        let start = figures(&[Some(1.0), Some(1.0)], Some(Some(0.5)));
        let end = figures(&[Some(3.0), Some(2.0)], Some(Some(1.0)));
        let mut report = json!({});
        let cpu = end.since(&start);
        cpu.report(&mut report, |cpu| json!({"cpu": cpu}));
        cpu.report(&mut report, |cpu| json!({"twice": cpu.map(|c| c * 2.0)}));
        assert_eq!(
            report,
            json!({
                "server_cpu": 3.0, "server_twice": 6.0,
                "servers": [{"cpu": 2.0, "twice": 4.0}, {"cpu": 1.0, "twice": 2.0}],
                "redis_cpu": 0.5, "redis_twice": 1.0,
            })
        );
    }

    #[test]
    fn a_server_unread_leaves_no_total() {
        assert_eq!(figures(&[Some(1.0), None], None).servers_total(), None);
        assert_eq!(figures(&[], None).servers_total(), None);
    }
}
