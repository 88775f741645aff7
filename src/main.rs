//! The `ftsim` binary: a thin wrapper that owns the exit code.

fn main() -> std::process::ExitCode {
    ftsim::cli::main()
}
