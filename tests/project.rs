//! What the project says about itself is true: the README's install, run
//! and test commands are the ones the scripts run (so the two cannot drift
//! apart), the versions the README asks for are the ones checked, and
//! `rust-version` covers every dependency.

use std::path::Path;
use std::process::Command;

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The commands in the `sh` blocks of the README's section `title`.
fn readme_commands(readme: &str, title: &str) -> Vec<String> {
    let heading = format!("## {title}\n");
    let start = readme
        .find(&heading)
        .unwrap_or_else(|| panic!("README has {heading:?}"))
        + heading.len();
    let section = &readme[start..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut commands = Vec::new();
    let mut in_sh = false;
    for line in section.lines() {
        match line.trim() {
            "```sh" => in_sh = true,
            "```" => in_sh = false,
            command if in_sh && !command.is_empty() => commands.push(command.to_owned()),
            _ => {}
        }
    }
    assert!(!commands.is_empty(), "README's {title} shows a command");
    commands
}

/// Whether `script` runs `command` exactly as written: as a command of a
/// line (lines are split at `&&`, `||`, `;` and `|`), after `exec` or
/// environment assignments (`DUET_LISTEN=127.0.0.1:0 cargo run --release`),
/// and followed by nothing but redirections or `&`. A leading `sudo` is the
/// reader's, not the script's, which runs as root.
fn runs(script: &str, command: &str) -> bool {
    let command = command.strip_prefix("sudo ").unwrap_or(command);
    script
        .lines()
        .flat_map(|line| line.split("&&").flat_map(|part| part.split("||")))
        .flat_map(|part| part.split([';', '|']))
        .any(|part| {
            let mut words = part.trim();
            loop {
                let first = words.split_whitespace().next().unwrap_or_default();
                let assignment = first.split_once('=').is_some_and(|(name, _)| {
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                });
                if first != "exec" && !assignment {
                    break;
                }
                words = words[first.len()..].trim_start();
            }
            words.strip_prefix(command).is_some_and(|rest| {
                let rest = rest.trim();
                rest.is_empty()
                    || rest == "&"
                    || rest
                        .split_whitespace()
                        .all(|word| word.contains('>') || word == "&")
            })
        })
}

#[test]
fn the_readme_commands_are_the_ones_the_scripts_run() {
    let readme = read("README.md");
    let ci = read(".ci/run");
    let scripts = [ci.clone(), read("scripts/test"), read("scripts/test-deb")].join("\n");
    for title in ["Install", "Run it"] {
        for command in readme_commands(&readme, title) {
            assert!(
                runs(&scripts, &command),
                "README's {title} says `{command}`, which scripts/test does not run"
            );
        }
    }
    for command in readme_commands(&readme, "Test it") {
        assert!(
            runs(&ci, &command),
            "README's test command `{command}` is not what .ci/run runs"
        );
    }
}

#[test]
fn the_versions_the_readme_asks_for_are_the_ones_checked() {
    let readme = read("README.md");
    let rust = our_rust_version();
    assert!(
        readme.contains(&format!("Rust {rust} or later")),
        "README asks for Rust {rust}, the rust-version of Cargo.toml"
    );
    let test = read("scripts/test");
    let node = test
        .lines()
        .find_map(|line| line.strip_prefix("node_min="))
        .expect("scripts/test checks a Node version");
    let major_minor = node.trim_end_matches(".0");
    assert!(
        readme.contains(&format!("Node.js {major_minor} or later")),
        "README asks for Node.js {major_minor}, which scripts/test checks"
    );
}

/// `rust-version` in Cargo.toml.
fn our_rust_version() -> String {
    read("Cargo.toml")
        .lines()
        .find_map(|line| line.strip_prefix("rust-version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .expect("Cargo.toml has a rust-version")
        .to_owned()
}

/// `1.94` or `1.94.0`, comparable.
fn version(raw: &str) -> [u64; 3] {
    let mut parts = raw.split('.').map(|part| part.parse::<u64>().unwrap_or(0));
    [(); 3].map(|()| parts.next().unwrap_or(0))
}

#[test]
fn rust_version_covers_every_dependency() {
    let ours = our_rust_version();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let members = metadata["workspace_members"].as_array().unwrap();
    let mut newer = Vec::new();
    for package in metadata["packages"].as_array().unwrap() {
        if members.contains(&package["id"]) {
            continue;
        }
        let Some(needed) = package["rust_version"].as_str() else {
            continue;
        };
        if version(needed) > version(&ours) {
            let (name, release) = (package["name"].as_str(), package["version"].as_str());
            let (name, release) = (name.unwrap_or_default(), release.unwrap_or_default());
            newer.push(format!("{name} {release} needs Rust {needed}"));
        }
    }
    assert!(
        newer.is_empty(),
        "rust-version is {ours} in Cargo.toml, but {}: raise it (and the README's prerequisites)",
        newer.join(", ")
    );
}
