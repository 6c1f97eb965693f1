//! Embeds the browser client (`web/`) into release builds: writes a table of every file
//! under `web/` with its bytes included at compile time. Debug builds get an empty table and
//! read `web/` from disk on each request instead, so editing the client needs no rebuild.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let web_dir = manifest_dir.join("../web");
    let out = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("web_assets.rs");
    let embed = env::var("PROFILE").as_deref() != Ok("debug");

    let mut files = Vec::new();
    if embed {
        collect(&web_dir, &web_dir, &mut files);
        files.sort();
        // A new, changed or removed file anywhere under web/ rebuilds the table.
        println!("cargo:rerun-if-changed={}", web_dir.display());
        for (_, path) in &files {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    println!("cargo:rerun-if-changed=build.rs");

    let mut table = String::from("&[\n");
    for (name, path) in &files {
        let _ = writeln!(
            table,
            "    ({name:?}, include_bytes!({:?})),",
            path.display().to_string()
        );
    }
    table.push(']');
    let source = format!(
        "/// Every file of `web/` as (path relative to `web/`, bytes); empty in debug builds.\n\
         pub const EMBEDDED: &[(&str, &[u8])] = {table};\n"
    );
    fs::write(out, source).expect("write web_assets.rs");
}

/// Files under `dir`, skipping hidden ones (editor swap files, `.DS_Store`).
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let relative = relative.to_string_lossy().replace('\\', "/");
            files.push((relative, path.canonicalize().unwrap_or(path.clone())));
        }
    }
}
