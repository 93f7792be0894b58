//! `disclose schemas DIR`: write the JSON Schemas of the input files.

#![allow(clippy::disallowed_methods)]

use std::path::PathBuf;
use std::process::ExitCode;

use super::{OK, exit, usage_error};

pub fn run(dir: PathBuf) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return usage_error(format!("{}: {e}", dir.display()));
    }
    for (name, text) in disclose::schema::all() {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, text) {
            return usage_error(format!("{}: {e}", path.display()));
        }
        println!("wrote {}", path.display());
    }
    exit(OK)
}
