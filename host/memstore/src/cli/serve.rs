//! `memstore serve`: runs the HTTP API (section 8) on the database until
//! Ctrl-C or SIGTERM, then finishes in-flight requests and exits.

use std::io::Write;
use std::net::SocketAddr;

use anyhow::Context;
use clap::Args;

use super::Ctx;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (printed on start).
    #[arg(long, env = "MEMSTORE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
}

pub fn run(ctx: Ctx, args: ServeArgs) -> anyhow::Result<std::process::ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        // Handlers first: a signal that arrives once the address is printed
        // must already mean "shut down gracefully", not "die".
        let shutdown = shutdown_signal()?;
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr().context("listener has no address")?;
        // One line on stdout, flushed, so scripts and tests can wait for it.
        super::output::print_line(&format!("memstore listening on http://{addr}"));
        std::io::stdout().flush().ok();
        memstore::api::serve(listener, ctx.engine, shutdown)
            .await
            .context("the HTTP server failed")
    })?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// Installs the handlers now and returns a future that completes on
/// Ctrl-C or, on Unix, SIGTERM.
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

/// Returns a future that completes on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
