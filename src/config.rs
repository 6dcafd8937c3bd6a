//! The options the loader hands to the widget.

/// Widget options, read from the `<script>` tag's `data-*` attributes by
/// `embed.js`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetConfig {
    /// The site key (`data-site`).
    pub site: String,
    /// The API origin: the script's own origin unless `data-api` says otherwise.
    pub api: String,
    /// Open the panel as soon as the widget mounts (the visitor already clicked).
    pub open: bool,
    /// `auto`, `en` or `fr`.
    pub locale: String,
}
