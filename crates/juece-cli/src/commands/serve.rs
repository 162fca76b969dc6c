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
    /// Read-only connections for pages and the API (default: twice the CPUs, 4 to 16); with
    /// several servers on one PostgreSQL database, keep each server's N + 3 connections under
    /// its `max_connections`
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    readers: Option<u16>,
}

pub fn run(global: &GlobalArgs, args: &ServeArgs) -> CmdResult {
    let stores = juece_server::open_stores(
        &global.db,
        &global.calendar_files()?,
        args.readers
            .map_or_else(juece_server::default_readers, usize::from),
    )?;
    let config = juece_server::Config {
        secure_cookies: args.secure_cookies,
        now: global.set_now(),
        test_write_delay_ms: global.test_write_delay_ms,
        lang: global.lang(),
        ..juece_server::Config::default()
    };
    let router = juece_server::app(stores, config);
    eprintln!(
        "{}",
        crate::t!(
            format!(
                "juece serve：http://{}（数据库 {}）；按 Ctrl-C 停止",
                args.listen,
                global.location().shown()
            ),
            format!(
                "juece serve: http://{} (database {}); Ctrl-C stops it",
                args.listen,
                global.location().shown()
            )
        )
    );
    juece_server::serve_blocking(router, args.listen).map_err(|e| {
        CliError::bad_input(crate::t!(
            format!(
                "无法在 {} 上提供服务：{}",
                args.listen,
                crate::i18n::io_error(&e)
            ),
            format!("cannot serve on {}: {e}", args.listen)
        ))
        .with_hint(crate::t!(
            "用 --listen 地址 换一个地址",
            "choose another address with --listen ADDR"
        ))
    })?;
    Ok(Exit::Ok)
}
