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
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr().context("listener has no address")?;
        // One line on stdout, flushed, so scripts and tests can wait for it.
        println!("memstore listening on http://{addr}");
        std::io::stdout().flush().ok();
        memstore::api::serve(listener, ctx.engine, shutdown_signal())
            .await
            .context("the HTTP server failed")
    })?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
