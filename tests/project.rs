//! What the project says about itself is true: `rust-version` covers every
//! dependency.

use std::path::Path;
use std::process::Command;

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
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
