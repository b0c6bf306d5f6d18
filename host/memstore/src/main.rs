//! The `memstore` binary: parses the command line, runs the command, and
//! turns any error into `memstore: <cause chain>` on stderr with a
//! documented exit code.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_logging(args.verbose);
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("memstore: {}", cli::describe(&err));
            cli::exit_code(&err)
        }
    }
}
