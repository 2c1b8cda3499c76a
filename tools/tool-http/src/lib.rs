//! `tool-http`: what the project's test tools (`aws-fault-proxy`, `registry-server`) would
//! otherwise each write again: their command-line conventions ([`Args`]), the plain-HTTP accept
//! loop with its graceful shutdown ([`serve`], [`serve_connection`]) and the dedicated server
//! thread behind their handles ([`ServerHandle`]).
//!
//! It exists only for those tools, so one fix reaches both; it is never part of the provider
//! (nothing outside `tools/` depends on it).

mod cli;
mod server;

pub use cli::{
    current_thread_runtime, listen_addr, parse_command_line, print_listening, signalled, unknown,
    Arg, Args,
};
pub use server::{serve, serve_connection, stopped, ServerHandle, DRAIN};
