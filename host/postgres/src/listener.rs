//! The listener thread: hears every host's commits and wakes this host's
//! event streams.
//!
//! It holds its own connection, `LISTEN memstore_events`, and calls every
//! registered [`CommitListener`](memstore_store::backend::CommitListener)
//! on each notification (the writers of all hosts, this one included, send
//! one with each commit). When the connection drops it reconnects with a
//! short backoff and calls the listeners once, since a commit may have gone
//! unheard meanwhile. While a read has held back unsettled events (see
//! `list_events`), it also calls them every [`TICK`], because the
//! transaction the events wait for may end without a notification.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use postgres::Client;
use postgres::fallible_iterator::FallibleIterator;

use crate::{CHANNEL, Shared};

/// How long the thread waits for a notification before it looks at the stop
/// flag and the unsettled flag again.
const TICK: Duration = Duration::from_millis(100);
/// Longest wait between two reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Handle to the listener thread.
pub struct Listener {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    /// Connects and listens, then starts the thread.
    ///
    /// # Errors
    /// The first connection or its LISTEN failed.
    pub fn spawn(shared: Arc<Shared>) -> Result<Self, postgres::Error> {
        let client = listen(&shared)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("memstore-pg-listener".into())
            .spawn(move || run(client, &shared, &stopped))
            .expect("spawning the listener thread");
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops the thread and waits for it (at most about one [`TICK`]).
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            // A listener that drops the last handle of the engine drops the
            // backend on this very thread, which then just ends.
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A new connection that listens on the channel.
fn listen(shared: &Shared) -> Result<Client, postgres::Error> {
    // An idle connection must notice a vanished server in time: probe it
    // after half a minute of silence rather than the default two hours.
    let mut config = shared.config.clone();
    config
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30));
    let mut client = config.connect(postgres::NoTls)?;
    // A channel name is an identifier, not a value: it cannot be bound. It
    // is a constant of this crate.
    client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    Ok(client)
}

fn run(mut client: Client, shared: &Shared, stop: &AtomicBool) {
    loop {
        match wait(&mut client, shared, stop) {
            Ended::Stopped => return,
            Ended::Lost(why) => {
                tracing::warn!(database = %shared.name, error = %why, "lost the LISTEN connection; reconnecting");
            }
        }
        let mut backoff = TICK;
        client = loop {
            if sleep_unless_stopped(backoff, stop) {
                return;
            }
            match listen(shared) {
                Ok(c) => break c,
                Err(e) => {
                    tracing::warn!(database = %shared.name, error = %e, "cannot reconnect the LISTEN connection");
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        };
        // Commits may have happened while nobody listened.
        shared.notify_listeners();
    }
}

enum Ended {
    Stopped,
    Lost(String),
}

/// Calls the listeners on every notification until the connection drops or
/// the backend stops.
fn wait(client: &mut Client, shared: &Shared, stop: &AtomicBool) -> Ended {
    while !stop.load(Ordering::SeqCst) {
        let heard = client.notifications().timeout_iter(TICK).next();
        match heard {
            Ok(Some(_)) => {
                // One wake-up for everything already here.
                let mut more = client.notifications();
                let mut drain = more.iter();
                while let Ok(Some(_)) = drain.next() {}
                // Cleared first: a read the listeners cause raises the flag
                // again if events are still unsettled.
                shared.unsettled.store(false, Ordering::SeqCst);
                shared.notify_listeners();
            }
            Ok(None) if client.is_closed() => return Ended::Lost("the server closed it".into()),
            Ok(None) => {
                if shared.unsettled.swap(false, Ordering::SeqCst) {
                    shared.notify_listeners();
                }
            }
            Err(e) => return Ended::Lost(e.to_string()),
        }
    }
    Ended::Stopped
}

/// Sleeps `d` in ticks; true when the backend stopped meanwhile.
fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) -> bool {
    let mut left = d;
    while !left.is_zero() {
        if stop.load(Ordering::SeqCst) {
            return true;
        }
        let step = left.min(TICK);
        std::thread::sleep(step);
        left -= step;
    }
    stop.load(Ordering::SeqCst)
}
