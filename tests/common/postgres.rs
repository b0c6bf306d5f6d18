//! A fresh PostgreSQL database per test, on the throw-away server whose URL
//! `MEMSTORE_TEST_POSTGRES_URL` holds (`tests/postgres-cluster.sh` starts
//! one; `tests/run-all.sh` exports it). Without the variable the PostgreSQL
//! half of the backend suite is skipped, saying so — unless
//! `MEMSTORE_REQUIRE_POSTGRES` is set (as the README's test command sets
//! it), when a missing server fails the test instead.

use postgres::{Client, NoTls};

/// The server's admin URL, or `None` (with a note) when tests run without one.
pub fn admin_url() -> Option<String> {
    match std::env::var("MEMSTORE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("MEMSTORE_REQUIRE_POSTGRES").is_some() => panic!(
            "MEMSTORE_REQUIRE_POSTGRES is set but MEMSTORE_TEST_POSTGRES_URL is not: start a \
             server with `bash tests/postgres-cluster.sh start` and export its URL"
        ),
        _ => {
            eprintln!("skipped: MEMSTORE_TEST_POSTGRES_URL is not set (no PostgreSQL server)");
            None
        }
    }
}

/// A database that exists as long as the value; dropped with `FORCE`.
pub struct PgDatabase {
    admin: String,
    name: String,
    /// The database's own URL.
    pub url: String,
}

impl PgDatabase {
    /// Creates an empty database, or `None` without a server.
    pub fn create() -> Option<Self> {
        let admin = admin_url()?;
        let name = format!("memstore_t_{:016x}", rand_u64());
        // A name made here of hex digits; identifiers cannot be parameters.
        admin_sql(&admin, format!("CREATE DATABASE {name}")).expect("create the test database");
        let url = with_database(&admin, &name);
        Some(Self { admin, name, url })
    }

    /// A plain client of the database, for looking behind the engine's back.
    pub fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).expect("connect to the test database")
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = admin_sql(
            &self.admin,
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

/// Runs `sql` on the admin database, on a thread of its own: the blocking
/// client runs a runtime of its own, which cannot start inside an async
/// test's.
fn admin_sql(admin: &str, sql: String) -> Result<(), postgres::Error> {
    let admin = admin.to_owned();
    std::thread::spawn(move || Client::connect(&admin, NoTls)?.batch_execute(&sql))
        .join()
        .expect("the admin thread")
}

/// `url` with its database (the path) replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    RandomState::new().hash_one((nanos, std::process::id(), std::thread::current().id()))
}
