//! The real `causette` binary on a free port, on SQLite in a temporary data
//! directory — or, when `CAUSETTE_TEST_POSTGRES` holds an admin URL of a
//! PostgreSQL server (`cargo xtask test` starts one), on a fresh database
//! of its own there.
#![allow(dead_code)]

use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use sqlx::Connection as _;
use tokio::process::{Child, Command};

/// Where a test's data lives; nodes started on the same one share it.
pub struct Database {
    dir: tempfile::TempDir,
    url: Option<String>,
}

impl Database {
    /// A fresh, empty database.
    pub async fn fresh() -> Database {
        let dir = tempfile::tempdir().unwrap();
        let url = match std::env::var("CAUSETTE_TEST_POSTGRES")
            .ok()
            .filter(|u| !u.is_empty())
        {
            None => None,
            Some(admin) => {
                let name = format!("t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("connect to the test PostgreSQL server");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create a test database");
                let (base, _) = admin.rsplit_once('/').expect("URL with a database name");
                Some(format!("{base}/{name}"))
            }
        };
        Database { dir, url }
    }

    /// A connection to the SQLite database file (when this is not
    /// PostgreSQL), to put it in a state only a crash leaves behind.
    pub async fn sqlite(&self) -> sqlx::SqliteConnection {
        let url = format!("sqlite://{}", self.dir.path().join("causette.db").display());
        sqlx::SqliteConnection::connect(&url)
            .await
            .expect("open the test's SQLite database")
    }

    /// Whether this is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.url.is_some()
    }

    fn args(&self) -> Vec<String> {
        let mut a = vec!["--data".to_owned(), self.dir.path().display().to_string()];
        if let Some(u) = &self.url {
            a.push("--database-url".to_owned());
            a.push(u.clone());
        }
        a
    }

    /// Runs `causette <args…>` against this database, whatever comes of it.
    async fn run_admin(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_causette"))
            .args(args)
            .args(self.args())
            .output()
            .await
            .unwrap()
    }

    /// Runs `causette <args…>` (an operator command) against this database;
    /// returns its stdout, panicking with its stderr if it fails.
    pub async fn admin(&self, args: &[&str]) -> String {
        let out = self.run_admin(args).await;
        assert!(
            out.status.success(),
            "causette {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// A running `causette serve`.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    port: u16,
    extra: Vec<String>,
    db_args: Vec<String>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// A server on a fresh database.
    pub async fn start() -> (Server, Database) {
        Self::start_with(&[]).await
    }

    /// A server on a fresh database, with extra `serve` arguments.
    pub async fn start_with(extra: &[&str]) -> (Server, Database) {
        let db = Database::fresh().await;
        let s = Self::node(&db, extra).await;
        (s, db)
    }

    /// Another node on `db`.
    pub async fn node(db: &Database, extra: &[&str]) -> Server {
        let port = free_port();
        let mut s = Server {
            child: None,
            url: format!("http://127.0.0.1:{port}"),
            port,
            extra: extra.iter().map(|s| s.to_string()).collect(),
            db_args: db.args(),
        };
        s.spawn().await;
        s
    }

    async fn spawn(&mut self) {
        // Replies stream fast unless a test asks otherwise.
        let delay: &[&str] = if self.extra.iter().any(|a| a == "--stream-delay-ms") {
            &[]
        } else {
            &["--stream-delay-ms", "1"]
        };
        let child = Command::new(env!("CARGO_BIN_EXE_causette"))
            .args(["serve", "--addr", &format!("127.0.0.1:{}", self.port)])
            .args(delay)
            .args(&self.db_args)
            .args(&self.extra)
            .env("RUST_LOG", "warn")
            // Many sessions come from one test client; a test that checks
            // rate limits passes --rate-per-ip, which wins over this.
            .env("CAUSETTE_RATE_PER_IP", "0")
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("causette serve starts");
        self.child = Some(child);
        for _ in 0..400 {
            if reqwest::get(format!("{}/v1/diagnose", self.url))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not start");
    }

    /// Kills and starts it again on the same port and database.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.spawn().await;
    }

    /// Kills it, as a crash would; [`Self::resume`] starts it again.
    pub async fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill().await;
            let _ = c.wait().await;
        }
    }

    /// Starts a stopped server again on the same port and database.
    pub async fn resume(&mut self) {
        self.spawn().await;
    }

    /// The origin the demo site allows for this server.
    pub fn origin(&self) -> String {
        self.url.clone()
    }

    /// `POST /v1/sessions` with a raw body.
    pub async fn post_session(
        &self,
        origin: Option<&str>,
        body: &str,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut req = reqwest::Client::new()
            .post(format!("{}/v1/sessions", self.url))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.json().await.unwrap_or(Value::Null);
        (status, headers, body)
    }

    /// A new demo session's whole response.
    pub async fn new_session(&self) -> Value {
        let (status, _, body) = self
            .post_session(Some(&self.origin()), r#"{"site_key":"demo"}"#)
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// A new demo session: (access token, conversation id).
    pub async fn session(&self) -> (String, String) {
        let body = self.new_session().await;
        (
            body["access_token"].as_str().unwrap().to_owned(),
            body["conversation_id"].as_str().unwrap().to_owned(),
        )
    }

    /// `POST /v1/sessions/refresh`.
    pub async fn refresh(&self, origin: &str, token: &str) -> (u16, Value) {
        let res = reqwest::Client::new()
            .post(format!("{}/v1/sessions/refresh", self.url))
            .header("origin", origin)
            .json(&json!({ "refresh_token": token }))
            .send()
            .await
            .unwrap();
        (
            res.status().as_u16(),
            res.json().await.unwrap_or(Value::Null),
        )
    }

    /// `GET /v1/conversations/{cid}` with a token: (status, body).
    pub async fn transcript_status(&self, token: &str, cid: &str) -> (u16, Value) {
        let res = reqwest::Client::new()
            .get(format!("{}/v1/conversations/{cid}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (
            res.status().as_u16(),
            res.json().await.unwrap_or(Value::Null),
        )
    }
}

// ---- Operator commands expected to fail (model settings and others) ----

impl Database {
    /// Runs `causette <args…>` against this database expecting it to fail;
    /// returns its stderr, panicking with its stdout if it succeeds.
    pub async fn admin_fails(&self, args: &[&str]) -> String {
        let out = self.run_admin(args).await;
        assert!(
            !out.status.success(),
            "causette {args:?} succeeded: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}
