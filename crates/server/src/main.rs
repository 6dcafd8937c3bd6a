//! The `causette` command: see `causette --help`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    causette_server::cli::run().await
}
