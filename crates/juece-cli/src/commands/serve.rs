//! `juece serve`: the thin adapter that opens the engine and hands it to `juece-server`.

use std::net::SocketAddr;

use clap::Args;

use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::CmdResult;

/// Serve the web pages and the JSON API (docs/server.md) on this database
#[derive(Args)]
pub struct ServeArgs {
    /// The address to listen on; only this machine unless another address is given
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: SocketAddr,
    /// Send the session cookie with `Secure` (when a reverse proxy serves TLS)
    #[arg(long)]
    secure_cookies: bool,
}

pub fn run(global: &GlobalArgs, args: &ServeArgs) -> CmdResult {
    let session = crate::write::session(global)?;
    let config = juece_server::Config {
        secure_cookies: args.secure_cookies,
        now: global.now,
        test_write_delay_ms: global.test_write_delay_ms,
        ..juece_server::Config::default()
    };
    let router = juece_server::app(session, config);
    eprintln!(
        "juece serve: http://{} (database {})",
        args.listen,
        global.location().shown()
    );
    juece_server::serve_blocking(router, args.listen).map_err(|e| {
        CliError::bad_input(format!("cannot serve on {}: {e}", args.listen))
            .with_hint("choose another address with --listen ADDR")
    })?;
    Ok(Exit::Ok)
}
