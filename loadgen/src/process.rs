//! A process as Linux sees it (a server, Redis, the generator itself):
//! resident memory and CPU time, read from `/proc/<pid>`.

use std::fs;
use std::io;

/// Resident memory in KiB (`VmRSS`).
pub fn rss_kib(pid: u32) -> io::Result<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .ok_or_else(|| io::Error::other("no VmRSS in /proc status"))
}

/// User plus system CPU time used so far, in seconds.
pub fn cpu_seconds(pid: u32) -> io::Result<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name (field 2) may hold spaces; count fields after its ')'.
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 here.
    let ticks: u64 = [11, 12]
        .iter()
        .map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0))
        .sum();
    // SAFETY: sysconf only reads a configuration value.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Ok(ticks as f64 / per_second)
}

/// The generator's own CPU time so far, in seconds.
pub fn own_cpu_seconds() -> Option<f64> {
    cpu_seconds(std::process::id()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let pid = std::process::id();
        assert!(rss_kib(pid).unwrap() > 0);
        let spin = std::time::Instant::now();
        while spin.elapsed().as_millis() < 50 {
            std::hint::black_box(0);
        }
        assert!(cpu_seconds(pid).unwrap() > 0.0);
    }
}
