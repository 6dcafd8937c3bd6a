//! The WordPress plugin in a real WordPress (Debian's package) on a private
//! MariaDB instance and PHP's built-in server, driven by headless Chromium
//! against a real `causette serve`.
//!
//! Skipped with a message when WordPress, PHP or MariaDB is not installed,
//! unless `CAUSETTE_REQUIRE_WORDPRESS` is set (`cargo xtask test` sets it).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use support::{free_port, wait_for, Browser, Server, FINISHED_REPLY, PATIENCE};
use tokio::process::{Child, Command};

const WORDPRESS: &str = "/usr/share/wordpress";
const HOSTILE_NAME: &str = "Zoë <script>window.__pwned=1</script> 'quoted' 🎉";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wordpress")
}

fn plugin_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("wordpress/causette")
}

/// What is missing to run WordPress here, if anything.
fn missing() -> Option<String> {
    let needs = [
        (format!("{WORDPRESS}/wp-settings.php"), "wordpress"),
        ("/usr/bin/php".to_owned(), "php-cli"),
        ("/usr/sbin/mariadbd".to_owned(), "mariadb-server"),
    ];
    let absent: Vec<&str> = needs
        .iter()
        .filter(|(path, _)| !Path::new(path).exists())
        .map(|(_, package)| *package)
        .collect();
    (!absent.is_empty()).then(|| absent.join(", "))
}

/// Whether the tests can run; panics when they must and cannot.
fn available() -> bool {
    match missing() {
        None => true,
        Some(packages) if std::env::var_os("CAUSETTE_REQUIRE_WORDPRESS").is_some() => {
            panic!(
                "WordPress tests required but {packages} not installed (run `cargo xtask setup`)"
            )
        }
        Some(packages) => {
            eprintln!("skipped: {packages} not installed; `cargo xtask setup` installs them");
            false
        }
    }
}

/// A private WordPress: a copy of Debian's tree, a MariaDB instance on its
/// own socket and data dir, and `php -S` on a loopback port.
struct WordPress {
    dir: tempfile::TempDir,
    db: Child,
    php: Child,
    url: String,
}

impl WordPress {
    async fn start() -> WordPress {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");
        let root = dir.path().join("root");
        let socket = dir.path().join("mysql.sock");
        run(Command::new("cp").arg("-r").arg(WORDPRESS).arg(&root)).await;
        std::fs::remove_file(root.join("wp-config.php")).expect("remove Debian's config");
        let config = std::fs::read_to_string(fixtures().join("wp-config.php.in"))
            .expect("wp-config template")
            .replace("@SOCKET@", &socket.display().to_string())
            .replace("@URL@", &url)
            .replace("@CONTENT@", &root.join("wp-content").display().to_string());
        std::fs::write(root.join("wp-config.php"), config).expect("write wp-config.php");
        std::os::unix::fs::symlink(plugin_dir(), root.join("wp-content/plugins/causette"))
            .expect("link the plugin");

        let data = dir.path().join("db");
        // Its own temporary folder: two databases set up at once in /tmp
        // can collide on their temporary tables' names.
        let tmp = dir.path().join("db-tmp");
        std::fs::create_dir(&tmp).expect("the database's temp dir");
        let tmpdir = format!("--tmpdir={}", tmp.display());
        run(Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(&tmpdir)
            .args([
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--user=root",
            ]))
        .await;
        let db = Command::new("mariadbd")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", socket.display()))
            .arg(&tmpdir)
            .arg(format!(
                "--pid-file={}",
                dir.path().join("db.pid").display()
            ))
            .arg(format!(
                "--log-error={}",
                dir.path().join("db.err").display()
            ))
            .args(["--skip-networking", "--user=root"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start mariadbd");
        let start = Instant::now();
        loop {
            let ok = Command::new("mariadb")
                .arg("--no-defaults")
                .arg(format!("--socket={}", socket.display()))
                .args([
                    "-uroot",
                    "-e",
                    "CREATE DATABASE IF NOT EXISTS wordpress CHARACTER SET utf8mb4",
                ])
                .output()
                .await
                .is_ok_and(|o| o.status.success());
            if ok {
                break;
            }
            assert!(start.elapsed() < PATIENCE, "MariaDB did not start");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let php = Command::new("php")
            .arg("-S")
            .arg(format!("127.0.0.1:{port}"))
            .arg("-t")
            .arg(&root)
            .arg(fixtures().join("router.php"))
            .env("PHP_CLI_SERVER_WORKERS", "4")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start php -S");
        let wp = WordPress { dir, db, php, url };
        let installed = wp
            .eval_installing(
                r#"$r = wp_install("Causette test blog", "admin", "admin@example.com", true, "", "admin-pass");
                   $e = activate_plugin("causette/causette.php");
                   return is_wp_error($e) ? $e->get_error_message() : "activated";"#,
            )
            .await;
        assert_eq!(installed, "activated");
        wp
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    async fn eval_installing(&self, code: &str) -> String {
        self.php_eval(code, true).await
    }

    /// Runs PHP with WordPress loaded; what it returns, JSON-encoded
    /// unless a string.
    async fn eval(&self, code: &str) -> String {
        self.php_eval(code, false).await
    }

    async fn php_eval(&self, code: &str, installing: bool) -> String {
        let mut cmd = Command::new("php");
        cmd.arg(fixtures().join("eval.php"))
            .arg(self.root())
            .arg(code)
            .env("WP_TEST_URL", &self.url);
        if installing {
            cmd.env("WP_TEST_INSTALLING", "1");
        }
        let out = cmd.output().await.expect("run php");
        assert!(
            out.status.success(),
            "php {code}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Creates a published post; returns its id.
    async fn post(&self, kind: &str, title: &str, content: &str) -> u64 {
        let code = format!(
            "return wp_insert_post(array('post_type' => {}, 'post_status' => 'publish', 'post_title' => {}, 'post_content' => {}), true);",
            php_str(kind),
            php_str(title),
            php_str(content)
        );
        let id = self.eval(&code).await;
        id.parse()
            .unwrap_or_else(|_| panic!("wp_insert_post: {id}"))
    }

    async fn permalink(&self, id: u64) -> String {
        self.eval(&format!("return get_permalink({id});")).await
    }

    async fn set_option(&self, name: &str, value: &str) {
        self.eval(&format!(
            "update_option({}, {}); return null;",
            php_str(name),
            php_str(value)
        ))
        .await;
    }

    async fn option(&self, name: &str) -> String {
        self.eval(&format!("return (string) get_option({});", php_str(name)))
            .await
    }

    /// The debug log's PHP errors that come from the plugin.
    fn plugin_errors(&self) -> Vec<String> {
        std::fs::read_to_string(self.root().join("wp-content/debug.log"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("causette") && !l.contains("Deprecated"))
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for WordPress {
    fn drop(&mut self) {
        let _ = self.php.start_kill();
        let _ = self.db.start_kill();
    }
}

/// A PHP single-quoted string literal.
fn php_str(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

async fn run(cmd: &mut Command) {
    let out = cmd.output().await.expect("run a command");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn hmac_hex(secret: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A Causette server whose site `wp` allows the WordPress origin, and the
/// plugin configured for it; returns the site secret.
async fn connect(server: &Server, wp: &WordPress) -> String {
    server
        .admin(&["site", "add", "wp", "--name", "WP", "--origin", &wp.url])
        .await;
    let secret = server.admin(&["site", "secret", "wp"]).await;
    let secret = secret
        .split_whitespace()
        .find(|w| w.len() == 64 && w.chars().all(|c| c.is_ascii_hexdigit()))
        .expect("a 64-hex secret")
        .to_owned();
    wp.set_option("causette_server", &server.url()).await;
    wp.set_option("causette_site_key", "wp").await;
    wp.set_option("causette_secret", &secret).await;
    secret
}

async fn log_in(browser: &Browser, wp: &WordPress, user: &str, password: &str) {
    browser.goto(&format!("{}/wp-login.php", wp.url)).await;
    let form = browser
        .client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css("#loginform"))
        .await
        .expect("the login form");
    form.find(Locator::Css("#user_login"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    form.find(Locator::Css("#user_pass"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    form.find(Locator::Css("#wp-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for("the login to finish", || async {
        browser
            .client
            .current_url()
            .await
            .is_ok_and(|u| !u.as_str().contains("wp-login.php"))
    })
    .await;
}

/// The loader's tag as WordPress printed it: its `data-*` (dataset) and
/// whether it is async.
async fn loader(browser: &Browser) -> Value {
    browser
        .js("const s = document.querySelector('script[data-site]'); \
             return s ? {data: Object.assign({}, s.dataset), async: s.async, src: s.src, \
             inFooter: !document.head.contains(s)} : null;")
        .await
}

/// Opens Settings → Causette; returns its element `css` once shown.
async fn settings_page(
    browser: &Browser,
    wp: &WordPress,
    css: &str,
) -> fantoccini::elements::Element {
    browser
        .goto(&format!(
            "{}/wp-admin/options-general.php?page=causette",
            wp.url
        ))
        .await;
    browser
        .client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("the settings page shows {css}: {e}"))
}

/// The settings page: saves with the values given (by field id), and
/// returns the error notices shown after saving.
async fn save_settings(browser: &Browser, wp: &WordPress, values: &[(&str, &str)]) -> Vec<String> {
    settings_page(browser, wp, "#causette-settings").await;
    // The server must refuse what a browser's own checks would stop
    // (type="url"), as any client can post the form.
    browser
        .js("document.getElementById('causette-settings').noValidate = true;")
        .await;
    for (id, value) in values {
        let script = format!(
            "document.getElementById({id:?}).value = {value};",
            value = serde_json::to_string(value).unwrap()
        );
        browser.js(&script).await;
    }
    browser
        .client
        .find(Locator::Css("#causette-settings #submit"))
        .await
        .expect("the save button")
        .click()
        .await
        .expect("save");
    let notice = browser
        .client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(
            "#setting-error-settings_updated, .settings-error",
        ))
        .await;
    if notice.is_err() {
        let url = browser.client.current_url().await.unwrap();
        let text = browser.js("return document.body.innerText").await;
        panic!("no notice after saving at {url}: {text}");
    }
    match browser
        .js("return [...document.querySelectorAll('.settings-error.notice-error')].map(e => e.textContent.trim());")
        .await
    {
        Value::Array(a) => a
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => vec![],
    }
}

#[tokio::test]
async fn plugin_settings_output_identity_and_connection_check() {
    if !available() {
        return;
    }
    let server = Server::start(&[]).await;
    let wp = WordPress::start().await;
    let secret = connect(&server, &wp).await;
    let shortcode = wp
        .post("page", "Ask us", "<p>Questions?</p>[causette]")
        .await;
    let block = wp
        .post("page", "Chat block", "<!-- wp:causette/chat /-->")
        .await;
    let browser = Browser::start().await;
    log_in(&browser, &wp, "admin", "admin-pass").await;

    // Invalid values: the greeting loses its tags; a non-URL server and a
    // bad colour are refused with WordPress' error notice, keeping the old value.
    let errors = save_settings(
        &browser,
        &wp,
        &[
            (
                "causette_greeting",
                "Hello <script>alert(1)</script><b>there</b>",
            ),
            ("causette_color", "red; background:url(x)"),
            ("causette_server", "not a url"),
        ],
    )
    .await;
    assert!(
        errors.iter().any(|e| e.contains("#rrggbb")),
        "colour refused: {errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("must be a URL")),
        "server refused: {errors:?}"
    );
    assert_eq!(wp.option("causette_greeting").await, "Hello there");
    assert_eq!(wp.option("causette_color").await, "");
    assert_eq!(wp.option("causette_server").await, server.url());
    let errors = save_settings(&browser, &wp, &[("causette_color", "#AA3366")]).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(wp.option("causette_color").await, "#aa3366");
    assert_eq!(
        wp.option("causette_secret").await,
        secret,
        "a blank secret field keeps the stored secret"
    );
    let page = browser.client.source().await.unwrap();
    assert!(!page.contains(&secret), "the secret is never printed");

    // "Check connection" from the admin, for a site that does not allow
    // this origin: said in plain words.
    server
        .admin(&[
            "site",
            "add",
            "elsewhere",
            "--origin",
            "https://elsewhere.example",
        ])
        .await;
    wp.set_option("causette_site_key", "elsewhere").await;
    settings_page(&browser, &wp, "#causette-check")
        .await
        .click()
        .await
        .unwrap();
    let mut said = String::new();
    let start = Instant::now();
    while !said.contains("not allowed") && start.elapsed() < PATIENCE {
        tokio::time::sleep(Duration::from_millis(100)).await;
        said = browser
            .js("return document.getElementById('causette-check-result').textContent")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned();
    }
    assert!(
        said.contains(&format!("This origin ({}) is not allowed", wp.url)),
        "{said}"
    );
    assert!(said.contains("site key elsewhere exists"), "{said}");
    assert!(said.contains("clock"), "{said}");
    wp.set_option("causette_site_key", "wp").await;

    // The front page: the loader in the footer, async, with the options,
    // and a chat with the server.
    browser.goto(&format!("{}/", wp.url)).await;
    let tag = loader(&browser).await;
    assert_eq!(tag["src"], format!("{}/embed.js", server.url()), "{tag}");
    assert_eq!(tag["async"], true, "{tag}");
    assert_eq!(tag["inFooter"], true, "{tag}");
    assert_eq!(tag["data"]["site"], "wp", "{tag}");
    assert_eq!(tag["data"]["color"], "#aa3366", "{tag}");
    assert_eq!(tag["data"]["greeting"], "Hello there", "{tag}");
    assert_eq!(tag["data"]["position"], "right", "{tag}");
    browser.click(".launcher").await;
    browser.ask("Hello, is anyone there?").await;
    let reply = browser
        .wait_text(FINISHED_REPLY, "a finished reply", |t| !t.is_empty())
        .await;
    assert!(!reply.is_empty());

    // The shortcode and the block: an inline container the loader targets.
    for (id, what) in [(shortcode, "shortcode"), (block, "block")] {
        browser.goto(&wp.permalink(id).await).await;
        let container = browser
            .js("const c = document.querySelector('.causette-inline'); return c ? c.id : null;")
            .await;
        assert_eq!(container, "causette-inline-1", "{what}");
        let tag = loader(&browser).await;
        assert_eq!(tag["data"]["target"], "#causette-inline-1", "{what}: {tag}");
        // The chat renders inside the container.
        wait_for("the chat inside the container", || async {
            browser
                .js("return !!document.querySelector('#causette-inline-1 causette-widget, #causette-inline-1 [data-causette]') \
                     || !!(document.querySelector('causette-widget') && document.querySelector('#causette-inline-1').contains(document.querySelector('causette-widget')))")
                .await
                == Value::Bool(true)
        })
        .await;
    }

    // A logged-in user with a hostile name: signed identity, nothing runs.
    wp.set_option("causette_identify", "1").await;
    let user = wp
        .eval("$id = wp_create_user('zoe', 'zoe-pass', 'zoe@example.com'); return $id;")
        .await;
    // Stored as it is, past the filters WordPress applies when a name is
    // saved (as a direct import could). WordPress' own toolbar prints the
    // stored name relying on those filters, so it is hidden for this user:
    // what is checked is the plugin's output.
    wp.eval(&format!(
        "global $wpdb; $wpdb->update($wpdb->users, array('display_name' => {}), array('ID' => {user})); update_user_meta({user}, 'show_admin_bar_front', 'false'); clean_user_cache({user}); return null;",
        php_str(HOSTILE_NAME)
    ))
    .await;
    let visitor = Browser::start().await;
    log_in(&visitor, &wp, "zoe", "zoe-pass").await;
    visitor.goto(&format!("{}/", wp.url)).await;
    let tag = loader(&visitor).await;
    assert_eq!(tag["data"]["userId"], user, "{tag}");
    assert_eq!(tag["data"]["userName"], HOSTILE_NAME, "{tag}");
    assert_eq!(tag["data"]["userEmail"], "zoe@example.com", "{tag}");
    assert_eq!(tag["data"]["userHash"], hmac_hex(&secret, &user), "{tag}");
    assert_eq!(
        visitor.js("return typeof window.__pwned").await,
        "undefined"
    );
    visitor.close().await;
    browser.close().await;
    let errors = wp.plugin_errors();
    assert!(errors.is_empty(), "PHP errors: {errors:?}");
}

#[tokio::test]
async fn knowledge_base_from_the_sites_posts() {
    if !available() {
        return;
    }
    let server = Server::start(&[]).await;
    let wp = WordPress::start().await;
    connect(&server, &wp).await;
    let kept = wp
        .post(
            "post",
            "Opening hours of the bakery",
            "<p>The bakery opens at <strong>seven</strong> in the morning and sells sourdough croissants.</p>",
        )
        .await;
    let gone = wp
        .post(
            "post",
            "Bicycle repairs",
            "<p>We repair tandem bicycles on Thursdays.</p>",
        )
        .await;
    wp.post("page", "About", "<p>A small family bakery.</p>")
        .await;
    let kept_link = wp.permalink(kept).await;
    let gone_link = wp.permalink(gone).await;

    let out = server
        .admin(&["kb", "import-wordpress", "--site", "wp", &wp.url])
        .await;
    // Ours, and WordPress' own sample post and page.
    let added: usize = out
        .split(" added")
        .next()
        .and_then(|s| s.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(added >= 3, "{out}");
    let answer = server
        .admin(&["kb", "ask", "--site", "wp", "When does the bakery open?"])
        .await;
    assert!(answer.contains("seven"), "{answer}");
    assert!(answer.contains(&kept_link), "{answer}");
    let list = server.admin(&["kb", "list", "--site", "wp"]).await;
    assert!(list.contains(&gone_link), "{list}");

    // Deleted in WordPress, gone after the next import; the rest unchanged.
    wp.eval(&format!("wp_delete_post({gone}, true); return null;"))
        .await;
    let out = server
        .admin(&["kb", "import-wordpress", "--site", "wp", &wp.url])
        .await;
    assert!(out.contains("1 removed"), "{out}");
    assert!(out.contains(&format!("{} unchanged", added - 1)), "{out}");
    let list = server.admin(&["kb", "list", "--site", "wp"]).await;
    assert!(!list.contains(&gone_link), "{list}");
    assert!(list.contains(&kept_link), "{list}");

    // The plugin's "Sync knowledge base": a signed request the server runs.
    wp.eval(&format!(
        "wp_update_post(array('ID' => {kept}, 'post_content' => '<p>The bakery now opens at eight.</p>')); return null;"
    ))
    .await;
    let synced = wp.eval("return causette_sync();").await;
    let synced: Value = serde_json::from_str(&synced).expect("JSON");
    assert_eq!(synced["ok"], true, "{synced}");
    assert!(
        synced["message"].as_str().unwrap().contains("1 updated"),
        "{synced}"
    );
    wait_for("the server to see the new text", || async {
        server
            .admin(&["kb", "ask", "--site", "wp", "When does the bakery open?"])
            .await
            .contains("eight")
    })
    .await;

    // A wrong secret is refused, in words the site owner can act on.
    wp.set_option("causette_secret", &"0".repeat(64)).await;
    let refused = wp.eval("return causette_sync();").await;
    assert!(refused.contains("signature does not match"), "{refused}");

    // Not a WordPress site: a clear error.
    let out = std::process::Command::new(support::causette_bin())
        .args(["kb", "import-wordpress", "--site", "wp", &server.url()])
        .arg("--data")
        .arg(server.data_dir())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not look like a WordPress site"), "{err}");
}
