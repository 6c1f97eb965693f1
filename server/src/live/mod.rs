//! Live updates over WebSockets: one in-process hub reads the durable event log once per
//! event and fans it out to the connections subscribed to its topics; a reconnecting client
//! first gets what it missed from the log, then live events, with no gap and no duplicate.

pub mod hub;
pub mod listen;
pub mod protocol;
pub mod queue;
mod reauthorize;
pub mod render;
pub mod routes;
pub mod session;
pub mod upgrade;
pub mod watch;

pub use hub::Hub;
