//! Local stand-ins for the backends the widgets talk to, each speaking its
//! real API (read from the published client code) and streaming the same
//! long reply ([`super::reply`]) at the same pace.

pub mod flowise;
pub mod openai;
pub mod typebot;

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use super::http::Chunks;
use super::reply;

/// How many long replies a mock has streamed to the end.
#[derive(Clone, Default)]
pub struct Streamed(Arc<AtomicUsize>);

impl Streamed {
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    fn add(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Sends the reply's pieces, each framed by `frame`, one every
/// [`reply::PIECE_INTERVAL`]; counts the reply once it is all sent.
fn stream_reply(
    out: &mut Chunks,
    streamed: &Streamed,
    mut frame: impl FnMut(&str) -> String,
) -> io::Result<()> {
    for piece in reply::pieces() {
        out.send(frame(&piece).as_bytes())?;
        thread::sleep(reply::PIECE_INTERVAL);
    }
    streamed.add();
    Ok(())
}
