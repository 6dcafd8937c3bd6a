//! Live fan-out of conversation events to open streams.
//!
//! Events are written to the database first (so a stream that reconnects
//! can catch up) and then published here. Appends are serialized so ids are
//! published in order: a stream that forwards "id greater than the last one
//! sent" then never skips an event.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use crate::store::{EventRow, Store};

/// The event bus; cheap to clone.
#[derive(Clone, Default)]
pub struct Bus {
    channels: Arc<Mutex<HashMap<String, broadcast::Sender<EventRow>>>>,
    append: Arc<tokio::sync::Mutex<()>>,
}

impl Bus {
    /// Receives the conversation's events from now on.
    pub fn subscribe(&self, conversation_id: &str) -> broadcast::Receiver<EventRow> {
        let mut channels = self.channels.lock().expect("bus lock");
        channels.retain(|_, tx| tx.receiver_count() > 0);
        channels
            .entry(conversation_id.to_owned())
            .or_insert_with(|| broadcast::channel(256).0)
            .subscribe()
    }

    /// Stores an event and publishes it to open streams.
    pub async fn append(
        &self,
        store: &Store,
        conversation_id: &str,
        kind: &str,
        data: &serde_json::Value,
    ) -> anyhow::Result<EventRow> {
        let _order = self.append.lock().await;
        let row = store
            .append_event(conversation_id, kind, &data.to_string())
            .await?;
        let tx = self
            .channels
            .lock()
            .expect("bus lock")
            .get(conversation_id)
            .cloned();
        if let Some(tx) = tx {
            let _ = tx.send(row.clone()); // no listener is fine
        }
        Ok(row)
    }
}
