//! A small HTTP/1.1 server on std threads: the host pages, the peers'
//! published files and the mock backends. Keep-alive, chunked streaming
//! for replies, and CORS open to any origin, as a CDN or a public chat API
//! answers. Every response also carries `Timing-Allow-Origin: *`.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::Value;

/// How long a kept-alive connection may sit idle.
const IDLE: Duration = Duration::from_secs(60);

pub struct Request {
    pub method: String,
    /// The path without its query.
    pub path: String,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, `Value::Null` when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The path's segments after `prefix`, when it starts with it.
    pub fn under<'a>(&'a self, prefix: &str) -> Option<Vec<&'a str>> {
        let rest = self.path.strip_prefix(prefix)?;
        Some(rest.split('/').filter(|s| !s.is_empty()).collect())
    }
}

/// Writes one chunk of a streamed body per call, as it comes.
pub struct Chunks<'a> {
    stream: &'a mut TcpStream,
}

impl Chunks<'_> {
    pub fn send(&mut self, data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        let mut frame = format!("{:x}\r\n", data.len()).into_bytes();
        frame.extend_from_slice(data);
        frame.extend_from_slice(b"\r\n");
        self.stream.write_all(&frame)
    }
}

type Producer = Box<dyn FnOnce(&mut Chunks) -> io::Result<()> + Send>;

enum Body {
    Bytes(Vec<u8>),
    Stream(Producer),
}

pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
}

impl Response {
    pub fn bytes(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: Body::Bytes(body.into()),
        }
    }

    pub fn json(value: &Value) -> Response {
        Response::bytes(200, "application/json; charset=utf-8", value.to_string())
    }

    pub fn not_found() -> Response {
        Response::bytes(404, "text/plain; charset=utf-8", "not found\n")
    }

    /// A body written piece by piece by `produce`, sent chunked.
    pub fn stream(
        content_type: &str,
        produce: impl FnOnce(&mut Chunks) -> io::Result<()> + Send + 'static,
    ) -> Response {
        Response {
            status: 200,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: Body::Stream(Box::new(produce)),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

type Handler = dyn Fn(&Request) -> Response + Send + Sync;

/// A server listening on a free loopback port until dropped.
pub struct Server {
    port: u16,
    stopped: Arc<AtomicBool>,
}

impl Server {
    pub fn start(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> Result<Server> {
        let listener = TcpListener::bind("127.0.0.1:0").context("binding a loopback port")?;
        let port = listener.local_addr()?.port();
        let stopped = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let flag = stopped.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let handler = handler.clone();
                thread::spawn(move || {
                    let _ = serve_connection(conn, &*handler);
                });
            }
        });
        Ok(Server { port, stopped })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve_connection(mut stream: TcpStream, handler: &Handler) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(IDLE))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    while let Some(request) = read_request(&mut reader)? {
        let close = request
            .header("Connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        let response = if request.method == "OPTIONS" {
            preflight(&request)
        } else {
            handler(&request)
        };
        write_response(&mut stream, request.method == "HEAD", response)?;
        if close {
            break;
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
    Ok(())
}

/// The next request on a connection; `None` when the client closed it.
fn read_request(reader: &mut impl BufRead) -> io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut words = line.split_whitespace();
    let (Some(method), Some(target)) = (words.next(), words.next()) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "bad request line",
        ));
    };
    let method = method.to_owned();
    let path = target.split(['?', '#']).next().unwrap_or("/").to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            return Ok(None);
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Content-Length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Some(Request {
        method,
        path,
        headers,
        body,
    }))
}

fn write_response(stream: &mut TcpStream, head_only: bool, response: Response) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("Access-Control-Allow-Origin: *\r\nTiming-Allow-Origin: *\r\n");
    match response.body {
        Body::Bytes(bytes) => {
            head.push_str(&format!("Content-Length: {}\r\n\r\n", bytes.len()));
            let mut out = head.into_bytes();
            if !head_only {
                out.extend_from_slice(&bytes);
            }
            stream.write_all(&out)
        }
        Body::Stream(produce) => {
            head.push_str("Transfer-Encoding: chunked\r\n\r\n");
            stream.write_all(head.as_bytes())?;
            produce(&mut Chunks { stream })?;
            stream.write_all(b"0\r\n\r\n")
        }
    }
}

/// CORS preflight: any origin, method and header, remembered for a day.
fn preflight(request: &Request) -> Response {
    let headers = request
        .header("Access-Control-Request-Headers")
        .unwrap_or("*")
        .to_owned();
    Response::bytes(204, "text/plain", Vec::new())
        .header(
            "Access-Control-Allow-Methods",
            "GET, POST, PUT, DELETE, OPTIONS",
        )
        .header("Access-Control-Allow-Headers", &headers)
        .header("Access-Control-Max-Age", "86400")
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Status",
    }
}

/// Serves the files under `root` at `prefix` (`/npm/pkg@1.0.0/…`), with
/// `cache_control`; `None` for paths elsewhere or outside `root`.
pub fn file(root: &Path, prefix: &str, request: &Request, cache_control: &str) -> Option<Response> {
    let rest = request.path.strip_prefix(prefix)?;
    let relative = PathBuf::from(rest.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Some(Response::not_found());
    }
    let path = root.join(relative);
    let Ok(bytes) = std::fs::read(&path) else {
        return Some(Response::not_found());
    };
    Some(Response::bytes(200, content_type(&path), bytes).header("Cache-Control", cache_control))
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("wasm") => "application/wasm",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("mp3") => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn get(origin: &str, path: &str) -> (String, Vec<u8>) {
        let addr = origin.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8(raw[..split].to_vec()).unwrap();
        (head, raw[split + 4..].to_vec())
    }

    #[test]
    fn answers_whole_and_chunked_bodies_with_cors() {
        let server = Server::start(|req| match req.path.as_str() {
            "/whole" => Response::bytes(200, "text/plain", "hello"),
            "/stream" => Response::stream("text/plain", |out| {
                out.send(b"ab")?;
                out.send(b"cde")
            }),
            _ => Response::not_found(),
        })
        .unwrap();
        let (head, body) = get(&server.origin(), "/whole?x=1");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(head.contains("Access-Control-Allow-Origin: *"), "{head}");
        assert_eq!(body, b"hello");
        let (head, body) = get(&server.origin(), "/stream");
        assert!(head.contains("Transfer-Encoding: chunked"), "{head}");
        assert_eq!(body, b"2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n");
        let (head, _) = get(&server.origin(), "/elsewhere");
        assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    }

    #[test]
    fn files_stay_inside_their_root() {
        let request = |path: &str| Request {
            method: "GET".to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
        };
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let found = file(root, "/x", &request("/x/Cargo.toml"), "no-cache").unwrap();
        assert_eq!(found.status, 200);
        let outside = file(root, "/x", &request("/x/../Cargo.toml"), "no-cache").unwrap();
        assert_eq!(outside.status, 404);
        assert!(file(root, "/x", &request("/y/Cargo.toml"), "no-cache").is_none());
    }
}
