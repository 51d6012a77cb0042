use std::process::ExitCode;

use clap::Parser;
use duet::{App, Config, shutdown, telemetry};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    if let Err(e) = config.validate() {
        eprintln!("duet: {e}");
        return ExitCode::FAILURE;
    }
    if let Err(e) = telemetry::init_logging(config.log_format, &config.log_level, std::io::stderr) {
        eprintln!("duet: {e}");
        return ExitCode::FAILURE;
    }
    // Every connection is a file descriptor: take all the process may have.
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::debug!(limit, "open-file limit"),
        Err(e) => tracing::warn!(error = %e, "could not raise the open-file limit"),
    }
    let listener = match TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("duet: cannot listen on {}: {e}", config.listen);
            return ExitCode::FAILURE;
        }
    };
    let app = match App::new(&config).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("duet: {e}");
            return ExitCode::FAILURE;
        }
    };
    match app.serve(listener, shutdown::signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("duet: {e}");
            ExitCode::FAILURE
        }
    }
}
