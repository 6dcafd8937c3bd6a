//! HTTP handlers, one module per resource.

pub mod assets;
pub mod conversations;
pub mod diagnose;
pub mod jwks;
pub mod sessions;
pub mod sites;
