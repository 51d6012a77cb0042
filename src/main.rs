#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod heap_trim;

use std::io::Write;
use std::process::ExitCode;

use duet::{App, Config, shutdown, telemetry};
use tokio::net::TcpListener;
use tracing_appender::non_blocking::NonBlockingBuilder;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::from_command_line();
    if let Err(e) = config.validate() {
        return fail(&e);
    }
    // Logs leave through a thread of their own and are dropped rather than
    // waited for when standard error is slow or gone (a full or closed
    // pipe): nothing the server does, stopping least of all, may wait on
    // whoever reads its logs.
    let (stderr, _flush_on_exit) = NonBlockingBuilder::default()
        .lossy(true)
        .finish(std::io::stderr());
    if let Err(e) = telemetry::init_logging(
        config.log_format,
        &config.log_level,
        telemetry::colour_on_stderr(),
        stderr,
    ) {
        return fail(&e);
    }
    // Every connection is a file descriptor: take all the process may have.
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::debug!(limit, "open-file limit"),
        Err(e) => tracing::warn!(error = %e, "could not raise the open-file limit"),
    }
    let listener = match TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(e) => return fail(&format!("cannot listen on {}: {e}", config.listen)),
    };
    // Freed memory goes back to the system after a burst (see heap_trim).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    heap_trim::spawn();
    let app = match App::new(&config).await {
        Ok(app) => app,
        Err(e) => return fail(&e.to_string()),
    };
    match app.serve(listener, shutdown::signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e.to_string()),
    }
}

/// Says why the server cannot go on, if standard error still listens.
fn fail(why: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "duet: {why}");
    ExitCode::FAILURE
}
