//! Causette widget
