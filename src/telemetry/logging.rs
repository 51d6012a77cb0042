//! Structured logs through `tracing`, as text for people or JSON for machines.

use std::io::IsTerminal;
use std::str::FromStr;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
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

/// What to log: a level (`info`), or a filter of targets and levels
/// (`duet=debug,info`), checked when given. A word that is not a level is
/// refused: `tracing` would read it as a target to show alone, and every
/// other log would go quiet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogFilter(String);

impl FromStr for LogFilter {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let levels = "error, warn, info, debug, trace or off";
        if raw.is_empty() {
            return Err(format!("write a level: {levels}"));
        }
        let directives: Vec<&str> = raw.split(',').map(str::trim).collect();
        for &directive in &directives {
            let bare = !directive.contains(['=', '[']);
            if bare && directive.parse::<LevelFilter>().is_err() {
                return Err(format!(
                    "{directive:?} is not a log level: write {levels}, or a filter such as duet=debug,info"
                ));
            }
        }
        let filter = directives.join(",");
        EnvFilter::try_new(&filter)
            .map_err(|e| format!("{e}: write a level ({levels}) or a filter such as duet=debug,info"))?;
        Ok(Self(filter))
    }
}

/// Whether logs on standard error may be coloured: only for a person at a
/// terminal who has not asked for none (`NO_COLOR`); never in a file, a
/// pipe or the journal.
pub fn colour_on_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// Installs the global subscriber once. The sink is a parameter so that tests
/// can keep quiet; a second call (another server in the same test process)
/// keeps the first subscriber. A sink that fails (a closed pipe) loses the
/// line quietly: reporting it would write to the same closed sink, and the
/// standard library's `eprintln!` panics there.
pub fn init_logging<W>(format: LogFormat, filter: &LogFilter, colour: bool, sink: W) -> Result<(), String>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(with_quiet_dependencies(&filter.0))
        .map_err(|e| format!("invalid log level {:?}: {e}", filter.0))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
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

    #[test]
    fn a_filter_is_levels_and_targets_and_nothing_else() {
        for good in ["info", "WARN", "off", "duet=debug,info", "warn, turn=debug"] {
            assert!(good.parse::<LogFilter>().is_ok(), "{good}");
        }
        for bad in ["", "verbose", "info,loud", "duet=verbose"] {
            assert!(bad.parse::<LogFilter>().is_err(), "{bad}");
        }
    }
}
