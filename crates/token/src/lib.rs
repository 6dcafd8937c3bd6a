//! placeholder, replaced by the token library
