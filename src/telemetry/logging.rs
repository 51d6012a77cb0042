//! Structured logs through `tracing`, as text for people or JSON for machines.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// The `turn` crate reports every refused client datagram (wrong or expired
/// credentials) at error level: clients' mistakes, not the server's. They
/// stay out of the log unless the filter names `turn` itself.
fn with_quiet_dependencies(filter: &str) -> String {
    if filter.contains("turn") {
        filter.to_owned()
    } else {
        format!("{filter},turn=off")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Installs the global subscriber once. The sink is a parameter so that tests
/// can keep quiet; a second call (another server in the same test process)
/// keeps the first subscriber. A sink that fails (a closed pipe) loses the
/// line quietly: reporting it would write to the same closed sink, and the
/// standard library's `eprintln!` panics there.
pub fn init_logging<W>(format: LogFormat, filter: &str, sink: W) -> Result<(), String>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(with_quiet_dependencies(filter))
        .map_err(|e| format!("invalid log level {filter:?}: {e}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(sink)
        .with_target(false)
        .log_internal_errors(false);
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    // Already installed is fine: the first server of the process set it up.
    installed.ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turn_client_errors_stay_quiet_unless_asked_for() {
        assert_eq!(with_quiet_dependencies("info"), "info,turn=off");
        assert_eq!(with_quiet_dependencies("warn,turn=debug"), "warn,turn=debug");
    }
}
