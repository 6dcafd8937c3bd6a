//! The options the loader hands to the widget.

use serde::Deserialize;

/// Widget options, read from the `<script>` tag's `data-*` attributes by
/// `embed.js`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WidgetConfig {
    /// The site key (`data-site`).
    pub site: String,
    /// The API origin: the script's own origin unless `data-api` says otherwise.
    pub api: String,
    /// Open the panel as soon as the widget mounts (the visitor already clicked).
    #[serde(default)]
    pub open: bool,
    /// `auto`, `en` or `fr`.
    #[serde(default = "auto")]
    pub locale: String,
}

fn auto() -> String {
    "auto".to_owned()
}
