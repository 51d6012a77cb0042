//! The command line as a person meets it: the built binary run with flags,
//! its exit code and what it says. Every refusal names the flag and says
//! what to write instead; every accepted form starts a server.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a server may take to say it is ready.
const PATIENCE: Duration = Duration::from_secs(20);

/// The binary with no configuration from this process's environment.
fn duet() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_duet"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("DUET_") || name == "RUST_LOG" || name == "NO_COLOR" {
            command.env_remove(&*name);
        }
    }
    command
}

/// Runs `duet args`, which must exit at once (a refusal, `--help`).
fn run(args: &[&str]) -> Output {
    run_with(duet().args(args))
}

fn run_with(command: &mut Command) -> Output {
    command
        .stdin(Stdio::null())
        .output()
        .expect("the duet binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A refusal: clap's usage error (exit code 2), or the server's own (1),
/// naming `flag`; returns what it said.
fn refused(output: &Output, code: i32, flag: &str) -> String {
    let said = stderr(output);
    assert_eq!(output.status.code(), Some(code), "exit code; it said: {said}");
    assert!(said.contains(flag), "names {flag}: {said}");
    said
}

/// A server started with `args` on a state directory of its own, killed when
/// dropped; its standard output and error arrive line by line.
struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Every line received so far, both streams.
    said: String,
    _state: tempfile::TempDir,
}

impl Server {
    fn start(args: &[&str]) -> Self {
        Self::start_with(args, |_| {})
    }

    /// Starts it with `args` and the command as changed by `tune`.
    fn start_with(args: &[&str], tune: impl FnOnce(&mut Command)) -> Self {
        let state = tempfile::tempdir().unwrap();
        let mut command = duet();
        command.arg("--state-dir").arg(state.path()).args(args);
        tune(&mut command);
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the duet binary starts");
        let (send, lines) = mpsc::channel();
        let stdout: Box<dyn Read + Send> = Box::new(child.stdout.take().unwrap());
        let stderr: Box<dyn Read + Send> = Box::new(child.stderr.take().unwrap());
        for stream in [stdout, stderr] {
            let send = send.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if send.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Self {
            child,
            lines,
            said: String::new(),
            _state: state,
        }
    }

    /// Waits until what it said satisfies `done`, and returns all of it.
    fn until(&mut self, done: impl Fn(&str) -> bool) -> &str {
        let deadline = Instant::now() + PATIENCE;
        while !done(&self.said) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.said += &line;
                    self.said += "\n";
                }
                Err(_) => panic!("waited {PATIENCE:?}; it said:\n{}", self.said),
            }
        }
        &self.said
    }

    /// Waits for the line saying where to open it, and returns that address.
    fn ready(&mut self) -> String {
        let said = self.until(|said| said.contains(" in a browser")).to_owned();
        said.split("open ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("an address")
            .to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `--help` as one line of words: clap wraps it at the terminal's width.
fn unwrapped(help: &[u8]) -> String {
    String::from_utf8_lossy(help)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn help_groups_the_options_and_shows_no_empty_environment_values() {
    let output = run(&["--help"]);
    assert!(output.status.success());
    let help = unwrapped(&output.stdout);
    let headings = [
        "Listening:",
        "Rooms and limits:",
        "HTTPS (certificate files, self-signed, or ACME):",
        "ICE and TURN servers:",
        "Reverse proxies:",
        "State, and rooms shared with other servers:",
        "Logging:",
    ];
    let mut at = 0;
    for heading in headings {
        let found = help[at..]
            .find(heading)
            .unwrap_or_else(|| panic!("{heading} in order:\n{help}"));
        at += found;
    }
    assert!(
        !help.contains("=]"),
        "an unset variable shows as set to nothing:\n{help}"
    );
    assert!(help.contains("[env: DUET_LISTEN]"), "{help}");

    // A variable that is set shows its value, unless it is a secret.
    let output = run_with(
        duet()
            .arg("--help")
            .env("DUET_MAX_USERS", "3")
            .env("DUET_TURN_SECRET", "a-secret-never-shown"),
    );
    let help = unwrapped(&output.stdout);
    assert!(help.contains("[env: DUET_MAX_USERS=3]"), "{help}");
    assert!(help.contains("[env: DUET_TURN_SECRET]"), "{help}");
    assert!(!help.contains("a-secret-never-shown"), "{help}");
}

#[test]
fn listen_takes_localhost_and_a_port_alone_as_this_machine() {
    for (listen, expected) in [
        ("localhost:0", "http://127.0.0.1:"),
        ("0", "http://127.0.0.1:"),
        ("127.0.0.1:0", "http://127.0.0.1:"),
    ] {
        let mut server = Server::start(&["--listen", listen]);
        let url = server.ready();
        assert!(url.starts_with(expected), "--listen {listen}: {url}");
        assert!(!url.ends_with(":0/"), "a port chosen by the system: {url}");
    }
}

#[test]
fn listen_refuses_anything_else_with_an_example() {
    for bad in ["example.com:80", "localhost", "0.0.0.0", "99999"] {
        let said = refused(&run(&["--listen", bad]), 2, "--listen");
        assert!(said.contains("e.g. 8080"), "{bad}: {said}");
        assert!(said.contains("0.0.0.0:8080"), "{bad}: {said}");
    }
    // From the environment too, named by the flag it stands for.
    let said = refused(&run_with(duet().env("DUET_LISTEN", "localhost")), 2, "--listen");
    assert!(said.contains("e.g. 8080"), "{said}");
}

#[test]
fn durations_need_a_unit() {
    for flag in [
        "--room-ttl",
        "--reconnect-grace",
        "--request-timeout",
        "--turn-credential-ttl",
    ] {
        let said = refused(&run(&[flag, "5"]), 2, flag);
        assert!(said.contains("needs a unit"), "{said}");
        assert!(said.contains("5s or 5m"), "{said}");
    }
    let said = refused(&run(&["--room-ttl", "soon"]), 2, "--room-ttl");
    assert!(said.contains("30s, 10m, 24h or 1h 30m"), "{said}");
}

#[test]
fn durations_with_a_unit_are_taken() {
    let mut server = Server::start(&[
        "--listen",
        "127.0.0.1:0",
        "--room-ttl",
        "5m",
        "--reconnect-grace",
        "1h 30m",
    ]);
    server.ready();
}

#[test]
fn a_missing_certificate_file_is_named_with_its_flag() {
    let said = refused(
        &run(&[
            "--tls-cert",
            "/nonexistent/cert.pem",
            "--tls-key",
            "/nonexistent/key.pem",
        ]),
        2,
        "--tls-cert",
    );
    assert!(said.contains("/nonexistent/cert.pem"), "{said}");
    assert!(said.contains("No such file"), "{said}");

    let dir = tempfile::tempdir().unwrap();
    let said = refused(
        &run(&["--acme-domain", "call.example.com", "--acme-ca-root"]
            .into_iter()
            .chain([dir.path().to_str().unwrap()])
            .collect::<Vec<_>>()),
        2,
        "--acme-ca-root",
    );
    assert!(said.contains("is not a file"), "{said}");
}

#[test]
fn a_certificate_file_that_does_not_load_is_named_with_its_flags() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, "not a certificate\n").unwrap();
    std::fs::write(&key, "not a key\n").unwrap();
    let output = run_with(
        duet()
            .args(["--listen", "127.0.0.1:0", "--state-dir"])
            .arg(dir.path())
            .arg("--tls-cert")
            .arg(&cert)
            .arg("--tls-key")
            .arg(&key),
    );
    let said = refused(&output, 1, "--tls-cert");
    assert!(said.contains(cert.to_str().unwrap()), "{said}");
}

#[test]
fn an_unknown_log_level_is_refused() {
    let said = refused(&run(&["--log-level", "verbose"]), 2, "--log-level");
    assert!(said.contains("not a log level"), "{said}");
    assert!(said.contains("error, warn, info, debug, trace or off"), "{said}");
    let said = refused(&run_with(duet().env("RUST_LOG", "verbose")), 2, "--log-level");
    assert!(said.contains("not a log level"), "{said}");
}

#[test]
fn log_levels_and_filters_are_taken() {
    for level in ["debug", "duet=debug,warn"] {
        let mut server = Server::start(&["--listen", "127.0.0.1:0", "--log-level", level]);
        server.ready();
    }
}

#[test]
fn settings_of_the_builtin_turn_server_need_turn() {
    for args in [
        &["--turn-listen", "0.0.0.0:3478"][..],
        &["--turn-external-ip", "203.0.113.7"],
        &["--turn-relay-ports", "40000-40999"],
        &["--turn-max-allocations", "3"],
        &["--turn-realm", "example"],
    ] {
        let said = refused(&run(args), 2, args[0]);
        assert!(said.contains("required arguments were not provided"), "{said}");
        assert!(said.contains("  --turn\n"), "says to add --turn: {said}");
    }
    let said = refused(
        &run_with(duet().env("DUET_TURN_EXTERNAL_IP", "203.0.113.7")),
        2,
        "--turn",
    );
    assert!(said.contains("--turn-external-ip"), "{said}");
}

#[test]
fn external_turn_servers_need_no_builtin_one() {
    let mut server = Server::start(&[
        "--listen",
        "127.0.0.1:0",
        "--turn-url",
        "turn:turn.example.com:3478?transport=udp",
        "--turn-secret",
        "a shared secret",
        "--turn-credential-ttl",
        "2h",
    ]);
    server.ready();
    let said = refused(
        &run(&["--turn-url", "turn:turn.example.com:3478"]),
        1,
        "--turn-secret",
    );
    assert!(said.contains("--turn-url needs --turn-secret"), "{said}");
}

#[test]
fn the_builtin_turn_server_takes_its_settings() {
    let mut server = Server::start(&[
        "--listen",
        "127.0.0.1:0",
        "--turn",
        "--turn-listen",
        "127.0.0.1:0",
        "--turn-external-ip",
        "127.0.0.1",
        "--turn-relay-ports",
        "40000-40999",
        "--turn-realm",
        "example",
    ]);
    server.ready();
}

#[test]
fn switches_in_the_environment_take_the_usual_spellings() {
    for on in ["true", "1", "yes", "on"] {
        let mut server = Server::start_with(
            &["--listen", "127.0.0.1:0", "--turn-listen", "127.0.0.1:0"],
            |duet| {
                duet.env("DUET_TURN", on);
            },
        );
        let said = server.until(|said| said.contains(" in a browser")).to_owned();
        assert!(
            said.contains("STUN/TURN on udp"),
            "DUET_TURN={on} starts TURN: {said}"
        );
    }
    let said = refused(&run_with(duet().env("DUET_TURN", "maybe")), 2, "--turn");
    assert!(said.contains("maybe"), "{said}");
}

#[test]
fn settings_of_a_tls_mode_not_chosen_are_refused() {
    refused(&run(&["--tls-name", "call.lan"]), 2, "--tls-self-signed");
    refused(&run(&["--acme-email", "me@example.com"]), 2, "--acme-domain");
}

#[test]
fn logs_are_not_coloured_when_not_on_a_terminal() {
    let mut server = Server::start(&["--listen", "127.0.0.1:0", "--log-level", "info"]);
    let said = server.until(|said| said.contains("serving")).to_owned();
    assert!(!said.contains('\u{1b}'), "no escape codes in a pipe: {said:?}");
}

#[test]
fn plain_http_for_other_machines_says_they_get_no_camera_and_the_flag_to_add() {
    let mut server = Server::start(&["--listen", "0.0.0.0:0", "--log-level", "warn"]);
    let said = server
        .until(|said| said.contains("(README: Deploying it)") && said.contains("plain HTTP beyond"))
        .to_owned();
    assert!(
        said.contains("browsers on other machines get no camera or microphone"),
        "{said}"
    );
    assert!(said.contains("add --tls-self-signed"), "{said}");
    assert!(
        !said.contains("scan to open"),
        "no QR code of an address without a camera: {said}"
    );
}

#[test]
fn https_for_other_machines_shows_a_qr_code() {
    let mut server = Server::start(&["--listen", "0.0.0.0:0", "--tls-self-signed"]);
    server.ready();
    // Give the rest of the announcement a moment to arrive.
    std::thread::sleep(Duration::from_millis(500));
    while let Ok(line) = server.lines.try_recv() {
        server.said += &line;
        server.said += "\n";
    }
    let said = &server.said;
    assert!(!said.contains("--tls-self-signed"), "{said}");
    if said.contains("also on this network") {
        assert!(said.contains("scan to open https://"), "{said}");
    }
}
