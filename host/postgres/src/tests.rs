//! The backend on a real server: a fresh database per test on the
//! throw-away server whose URL `MEMSTORE_TEST_POSTGRES_URL` holds
//! (`tests/postgres-cluster.sh start` starts one and prints it). Without the
//! variable every test here is skipped, saying so — unless
//! `MEMSTORE_REQUIRE_POSTGRES` is set, when a missing server fails it.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use postgres::{Client, NoTls};

use super::*;
use memstore_store::ids::{VERSION_PREFIX, new_id};
use memstore_store::{
    Actor, Applied, BatchOp, Decision, EventQuery, EventType, MemoryUpdate, NewStore, VersionQuery,
    View,
};

/// How long a test waits for something that should happen at once; never
/// asserted as a timing, only a bound on a hang.
const PATIENCE: Duration = Duration::from_secs(30);

/// The server's admin URL, or `None` (with a note) when tests run without one.
fn admin_url() -> Option<String> {
    match std::env::var("MEMSTORE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("MEMSTORE_REQUIRE_POSTGRES").is_some() => {
            panic!("MEMSTORE_REQUIRE_POSTGRES is set but MEMSTORE_TEST_POSTGRES_URL is not")
        }
        _ => {
            eprintln!("skipped: MEMSTORE_TEST_POSTGRES_URL is not set (no PostgreSQL server)");
            None
        }
    }
}

/// A database that exists as long as the value; dropped with `FORCE`.
struct TestDb {
    admin: String,
    name: String,
    url: String,
}

impl TestDb {
    fn create() -> Option<Self> {
        let admin = admin_url()?;
        let name = format!("memstore_t_{:016x}", rand_u64());
        let mut client = Client::connect(&admin, NoTls).expect("connect to the test server");
        // A name made here of hex digits; identifiers cannot be parameters.
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the test database");
        let url = with_database(&admin, &name);
        Some(Self { admin, name, url })
    }

    /// A plain client, for looking behind the backend's back.
    fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).expect("connect to the test database")
    }

    fn engine(&self) -> Engine {
        open(&self.url, EngineConfig::default()).expect("open")
    }

    fn schema_version(&self) -> i32 {
        self.client()
            .query_one("SELECT version FROM memstore_schema", &[])
            .expect("schema version")
            .get(0)
    }

    /// The names of the database's tables, sorted.
    fn tables(&self) -> Vec<String> {
        self.client()
            .query(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = 'public' ORDER BY 1",
                &[],
            )
            .expect("tables")
            .iter()
            .map(|r| r.get(0))
            .collect()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut client) = Client::connect(&self.admin, NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
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

macro_rules! test_db {
    () => {
        match TestDb::create() {
            Some(db) => db,
            None => return,
        }
    };
}

fn user() -> Actor {
    Actor::User {
        user_id: "user_test".into(),
    }
}

fn new_store(engine: &Engine, name: &str) -> memstore_store::MemoryStore {
    engine
        .create_store(
            NewStore {
                workspace_id: "default".into(),
                name: name.into(),
                ..NewStore::default()
            },
            &user(),
        )
        .expect("create store")
}

/// Every event of `store`, paging as a stream does.
fn all_events(engine: &Engine, store: &str) -> Vec<memstore_store::Event> {
    let mut out = Vec::new();
    loop {
        let page = engine
            .events(&EventQuery {
                memory_store_id: Some(store.to_owned()),
                after: out.last().map(|e: &memstore_store::Event| e.id),
                limit: 100,
                ..EventQuery::default()
            })
            .expect("events");
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

/// Every event of `store` once at least `n` are settled: transactions of
/// other tests on the same server can hold them back for a moment.
fn events_once(engine: &Engine, store: &str, n: usize) -> Vec<memstore_store::Event> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let events = all_events(engine, store);
        if events.len() >= n || Instant::now() > deadline {
            return events;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn dur_03_open_applies_migrations_and_a_second_open_is_a_no_op() {
    let db = test_db!();
    let engine = db.engine();
    assert_eq!(db.schema_version() as usize, MIGRATIONS.len());
    let tables = db.tables();
    for t in [
        "api_keys",
        "events",
        "memories",
        "memstore_schema",
        "session_dirs",
        "session_events",
        "session_shells",
        "sessions",
        "stores",
        "versions",
    ] {
        assert!(tables.iter().any(|n| n == t), "{t} missing from {tables:?}");
    }
    let store = new_store(&engine, "kept");
    drop(engine);

    let again = db.engine();
    assert_eq!(db.schema_version() as usize, MIGRATIONS.len());
    assert_eq!(db.tables(), tables);
    assert_eq!(
        again.store(&store.id).expect("the store survives").name,
        "kept"
    );
    let rows: i64 = db
        .client()
        .query_one("SELECT count(*) FROM memstore_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
}

#[test]
fn dur_03_a_newer_schema_is_refused_and_the_database_is_left_as_it_was() {
    let db = test_db!();
    let engine = db.engine();
    new_store(&engine, "s");
    drop(engine);
    let newer = MIGRATIONS.len() as i32 + 1;
    db.client()
        .execute("UPDATE memstore_schema SET version = $1", &[&newer])
        .unwrap();
    let tables = db.tables();

    let err = PostgresBackend::open(&db.url).err().expect("refused");
    let msg = err.to_string();
    assert!(matches!(err, StoreError::Unusable(_)), "{err:?}");
    assert!(msg.contains("newer memstore"), "{msg}");
    assert!(msg.contains(&format!("schema version {newer}")), "{msg}");
    assert!(
        msg.contains(&format!("knows up to {}", MIGRATIONS.len())),
        "{msg}"
    );
    assert!(msg.contains("the database was not modified"), "{msg}");
    assert_eq!(db.schema_version(), newer);
    assert_eq!(db.tables(), tables);
}

#[test]
fn dur_04_an_unreachable_server_is_named_without_its_password() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("postgres://app:s3cret@127.0.0.1:{port}/m?connect_timeout=5");
    let err = PostgresBackend::open(&url).err().expect("refused");
    let msg = err.to_string();
    assert!(matches!(err, StoreError::Unusable(_)), "{err:?}");
    assert!(
        msg.contains("cannot connect to PostgreSQL at postgres://app@127.0.0.1"),
        "{msg}"
    );
    assert!(msg.contains("check that the server is running"), "{msg}");
    assert!(!msg.contains("s3cret"), "{msg}");

    let err = PostgresBackend::open("postgres://app:s3cret@[bad")
        .err()
        .expect("bad URL");
    assert!(matches!(err, StoreError::Unusable(_)), "{err:?}");
    assert!(!err.to_string().contains("s3cret"), "{err}");
}

#[test]
fn dur_04_redact_strips_passwords_from_urls_and_options() {
    for (url, shown) in [
        (
            "postgres://app:s3cret@db:5432/m",
            "postgres://app@db:5432/m",
        ),
        (
            "postgresql://app:p@ss@db/m?sslmode=require",
            "postgresql://app@db/m?sslmode=require",
        ),
        ("postgres://app@db/m", "postgres://app@db/m"),
        (
            "postgres://db/m?password=x&user=a",
            "postgres://db/m?password=***&user=a",
        ),
        (
            "host=db password='a b' user=u",
            "host=db password=*** user=u",
        ),
    ] {
        assert_eq!(redact_url(url), shown);
    }
}

#[test]
fn dur_04_memories_versions_and_redaction_round_trip_and_the_chain_verifies() {
    let db = test_db!();
    let engine = db.engine();
    let store = engine
        .create_store(
            NewStore {
                workspace_id: "default".into(),
                name: "notes".into(),
                description: "déjà vu".into(),
                ..NewStore::default()
            },
            &user(),
        )
        .unwrap();
    assert_eq!(engine.store(&store.id).unwrap().description, "déjà vu");
    let content = "first ünïcødé 🦀";
    let created = engine
        .create_memory(&store.id, "/a/b.md", content, &user())
        .unwrap();
    let v1 = created.change.unwrap().version_id;
    let memory_id = created.memory.id.clone();
    let updated = engine
        .update_memory(
            &store.id,
            &memory_id,
            MemoryUpdate {
                content: Some("second".into()),
                ..MemoryUpdate::default()
            },
            &user(),
        )
        .unwrap();
    assert_eq!(updated.memory.content.as_deref(), Some("second"));
    // Byte order of paths, whatever the database's locale: 'B' < 'a'.
    engine
        .create_memory(&store.id, "/B.md", "b", &user())
        .unwrap();
    engine
        .create_memory(&store.id, "/a/c.md", "c", &user())
        .unwrap();
    let listed = engine
        .list_memories(&store.id, &memstore_store::MemoryQuery::default())
        .unwrap();
    let paths: Vec<String> = listed
        .data
        .iter()
        .map(|item| {
            serde_json::to_value(item).unwrap()["path"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(
        paths.windows(2).all(|w| w[0].as_bytes() < w[1].as_bytes()),
        "{paths:?}"
    );
    assert_eq!(engine.memory_count(&store.id).unwrap(), 3);
    // TEXT cannot hold U+0000: refused as invalid, and nothing is written.
    let err = engine
        .create_memory(&store.id, "/nul.md", "a\u{0}b", &user())
        .unwrap_err();
    assert_eq!(err.kind(), memstore_store::ErrorKind::Invalid, "{err}");
    assert!(engine.memory_at(&store.id, "/nul.md").unwrap().is_none());
    assert_eq!(engine.memory_count(&store.id).unwrap(), 3);

    let versions = engine
        .list_versions(
            &store.id,
            &VersionQuery {
                memory_id: Some(memory_id.clone()),
                view: View::Full,
                ..VersionQuery::default()
            },
        )
        .unwrap();
    assert_eq!(versions.data.len(), 2);
    assert_eq!(versions.data[0].content.as_deref(), Some("second"));
    assert_eq!(versions.data[1].content.as_deref(), Some(content));
    assert_eq!(versions.data[1].id, v1);

    let redacted = engine.redact_version(&store.id, &v1, &user()).unwrap();
    assert!(redacted.redacted_at.is_some());
    let v = engine.version(&store.id, &v1).unwrap();
    assert_eq!(v.content, None);
    assert_eq!(v.path, None);
    let report = engine.verify_chain(&store.id).unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.versions_checked, 4);

    let (content_left, salt_left): (Option<String>, Option<Vec<u8>>) = {
        let row = db
            .client()
            .query_one("SELECT content, salt FROM versions WHERE id = $1", &[&v1])
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!((content_left, salt_left), (None, None));

    let events = events_once(&engine, &store.id, 6);
    let types: Vec<EventType> = events.iter().map(|e| e.event_type).collect();
    assert_eq!(types.first(), Some(&EventType::StoreCreated));
    assert_eq!(types.last(), Some(&EventType::VersionRedacted));
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
}

#[test]
fn dur_04_a_failed_statement_in_a_batch_step_leaves_the_other_steps_committed() {
    let db = test_db!();
    let engine = db.engine();
    let store = new_store(&engine, "batch");
    let taken = new_id(VERSION_PREFIX);
    let put = |path: &str, version_id: Option<String>| BatchOp::Put {
        store_id: store.id.clone(),
        path: path.into(),
        version_id,
        decide: Box::new(|_| Decision::Write {
            content: "x".into(),
            note: None,
        }),
    };
    // The second op reuses the first one's version id: its INSERT fails in
    // PostgreSQL, aborting the transaction until the step rolls back.
    let results = engine
        .apply_batch(
            vec![
                put("/a", Some(taken.clone())),
                put("/b", Some(taken)),
                put("/c", None),
            ],
            &user(),
        )
        .unwrap();
    assert!(matches!(results[0], Ok(Applied::Put { .. })));
    assert!(results[1].is_err());
    assert!(matches!(results[2], Ok(Applied::Put { .. })));
    assert!(engine.memory_at(&store.id, "/a").unwrap().is_some());
    assert!(engine.memory_at(&store.id, "/b").unwrap().is_none());
    assert!(engine.memory_at(&store.id, "/c").unwrap().is_some());
    assert_eq!(engine.memory_count(&store.id).unwrap(), 2);
    assert!(engine.verify_chain(&store.id).unwrap().ok);
}

#[test]
fn dur_05_two_hosts_writing_one_store_keep_one_chain_and_every_write() {
    const THREADS: usize = 8;
    const WRITES: usize = 50;
    let db = test_db!();
    let hosts = [db.engine(), db.engine()];
    let store = new_store(&hosts[0], "shared");
    let done = std::sync::atomic::AtomicBool::new(false);
    let mut streamed: Vec<memstore_store::Event> = Vec::new();
    std::thread::scope(|s| {
        // A stream of the store read while both hosts write: resuming after
        // the last id it saw, it must miss nothing (see `list_events`).
        s.spawn(|| {
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let page = hosts[1]
                    .events(&EventQuery {
                        memory_store_id: Some(store.id.clone()),
                        after: streamed.last().map(|e| e.id),
                        limit: 100,
                        ..EventQuery::default()
                    })
                    .expect("stream");
                if page.is_empty() && finished {
                    return;
                }
                streamed.extend(page);
            }
        });
        let writers: Vec<_> = (0..2)
            .flat_map(|h| (0..THREADS).map(move |t| (h, t)))
            .collect();
        std::thread::scope(|w| {
            for (h, t) in writers {
                let (id, engine) = (store.id.clone(), &hosts[h]);
                w.spawn(move || {
                    for i in 0..WRITES {
                        let path = format!("/h{h}/t{t}/{i}.md");
                        engine
                            .create_memory(&id, &path, &format!("{h} {t} {i}"), &user())
                            .expect("create");
                    }
                });
            }
        });
        done.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let total = 2 * THREADS * WRITES;
    for engine in &hosts {
        assert_eq!(engine.memory_count(&store.id).unwrap(), total as u64);
        let report = engine.verify_chain(&store.id).unwrap();
        assert!(report.ok, "{report:?}");
        assert_eq!(report.versions_checked, total as u64);
    }
    let rows: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM memories WHERE store_id = $1",
            &[&store.id],
        )
        .unwrap()
        .get(0);
    assert_eq!(rows as usize, total);
    for h in 0..2 {
        for t in 0..THREADS {
            for i in [0, WRITES - 1] {
                let m = hosts[1 - h]
                    .memory_at(&store.id, &format!("/h{h}/t{t}/{i}.md"))
                    .unwrap()
                    .expect("every write is there");
                assert_eq!(m.content.unwrap(), format!("{h} {t} {i}"));
            }
        }
    }
    let events = events_once(&hosts[1], &store.id, total + 1);
    let created = events
        .iter()
        .filter(|e| e.event_type == EventType::MemoryCreated)
        .count();
    assert_eq!(created, total);
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    let streamed: Vec<u64> = streamed.iter().map(|e| e.id).collect();
    let stored: Vec<u64> = events.iter().map(|e| e.id).collect();
    assert_eq!(streamed, stored, "the stream skipped or repeated an event");
}

#[test]
fn dur_05_a_commit_on_one_host_wakes_the_other_host_s_listener() {
    let db = test_db!();
    let (a, b) = (db.engine(), db.engine());
    assert!(b.hears_every_writer());
    let (tx, rx) = mpsc::channel();
    b.on_commit(move || {
        let _ = tx.send(());
    });
    let store = new_store(&a, "pushed");
    // Only a commit (or a reconnect, which says the same) wakes it.
    rx.recv_timeout(PATIENCE)
        .expect("host b hears host a's commit");
    while rx.try_recv().is_ok() {}
    a.create_memory(&store.id, "/x", "x", &user()).unwrap();
    rx.recv_timeout(PATIENCE)
        .expect("host b hears host a's second commit");
}

/// Every event a session caused, paging from a cursor as its stream does.
fn session_events(engine: &Engine, session: &str) -> Vec<memstore_store::Event> {
    let mut out: Vec<memstore_store::Event> = Vec::new();
    loop {
        let page = engine
            .events(&EventQuery {
                session_id: Some(session.to_owned()),
                after: Some(out.last().map_or(0, |e| e.id)),
                limit: 100,
                ..EventQuery::default()
            })
            .expect("events");
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

#[test]
fn dur_05_a_session_stream_waits_for_an_older_transaction_still_running() {
    let db = test_db!();
    let engine = db.engine();
    let store = new_store(&engine, "ordered");
    let (tx, rx) = mpsc::channel();
    engine.on_commit(move || {
        let _ = tx.send(());
    });
    let agent = Actor::Session {
        session_id: "sesn_ordered".into(),
    };

    // Another transaction that has started writing (it holds an xid) when
    // the event's id is drawn might still commit an event with a smaller id.
    let mut other = db.client();
    let mut running = other.transaction().unwrap();
    running
        .execute("SELECT pg_current_xact_id()::text", &[])
        .unwrap();
    engine.create_memory(&store.id, "/a", "a", &agent).unwrap();
    assert!(
        session_events(&engine, "sesn_ordered").is_empty(),
        "held back while an older transaction runs"
    );
    // The store's own stream needs no wait (its writers hold its lock), and
    // a first page is not held back: a writer reads its own events at once.
    assert_eq!(all_events(&engine, &store.id).len(), 2);
    let first_page = engine
        .events(&EventQuery {
            session_id: Some("sesn_ordered".into()),
            ..EventQuery::default()
        })
        .unwrap();
    assert_eq!(first_page.len(), 1);

    // It ends without a NOTIFY; the held-back read makes the listener
    // thread wake the streams again until the event is settled.
    running.commit().unwrap();
    while rx.try_recv().is_ok() {}
    let deadline = Instant::now() + PATIENCE;
    loop {
        rx.recv_timeout(PATIENCE).expect("woken again");
        let now = session_events(&engine, "sesn_ordered");
        if now.len() == 1 {
            assert_eq!(now[0].event_type, EventType::MemoryCreated);
            break;
        }
        assert!(Instant::now() < deadline, "the event never settled");
    }
}

#[test]
fn dur_05_a_session_event_waits_for_a_later_transaction_that_drew_a_smaller_id() {
    let db = test_db!();
    let engine = db.engine();
    let store = new_store(&engine, "interleaved");
    // Two writers as the writer thread runs them (xid first, then draws),
    // by hand: `older` takes its xid first, `younger` second, but `younger`
    // draws the smaller event id. The older one commits first; its event
    // must wait, since the younger one, still running, holds a smaller id.
    // (Its own xid is older than every running transaction: a filter on
    // `xid < xmin` alone would hand it out, and the stream would then skip
    // the younger one's event for good.)
    let insert = "INSERT INTO events (type, store_id, session_id, actor_type, actor_id, \
                  created_at) VALUES ('memory.created', $1, 'sesn_i', 'session_actor', \
                  'sesn_i', 0) RETURNING id";
    let horizon = "UPDATE events SET horizon = $1::text::xid8 WHERE id = $2";
    let fresh_xid = |c: &mut Client| -> String {
        c.query_one("SELECT pg_current_xact_id()::text", &[])
            .unwrap()
            .get(0)
    };
    let (mut a, mut b, mut clock) = (db.client(), db.client(), db.client());
    let mut older = a.transaction().unwrap();
    older
        .execute("SELECT pg_current_xact_id()::text", &[])
        .unwrap();
    let mut younger = b.transaction().unwrap();
    younger
        .execute("SELECT pg_current_xact_id()::text", &[])
        .unwrap();
    let small: i64 = younger.query_one(insert, &[&store.id]).unwrap().get(0);
    let large: i64 = older.query_one(insert, &[&store.id]).unwrap().get(0);
    assert!(small < large);
    older
        .execute(horizon, &[&fresh_xid(&mut clock), &large])
        .unwrap();
    older.commit().unwrap();
    assert!(
        session_events(&engine, "sesn_i").is_empty(),
        "the larger id waits for the smaller one's transaction"
    );
    younger
        .execute(horizon, &[&fresh_xid(&mut clock), &small])
        .unwrap();
    younger.commit().unwrap();
    let deadline = Instant::now() + PATIENCE;
    let ids = loop {
        let ids: Vec<u64> = session_events(&engine, "sesn_i")
            .iter()
            .map(|e| e.id)
            .collect();
        if ids.len() == 2 || Instant::now() > deadline {
            break ids;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(ids, [small as u64, large as u64]);
}

#[test]
fn dur_04_checkpoint_vacuums() {
    let db = test_db!();
    let engine = db.engine();
    engine.checkpoint().expect("VACUUM outside a transaction");
}
