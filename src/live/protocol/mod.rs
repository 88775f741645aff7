//! The JSON-lines protocol between ftsim and its Python helper (`python/ftsim_helper`), typed:
//! one struct per command (its arguments) and one per result. The helper's
//! `ftsim_helper/protocol/` package declares the same messages (dataclasses and TypedDicts) and
//! documents each command; `tests/fixtures/live-protocol.json` holds an example of every
//! command and every result shape, which tests on both sides read, round-trip and validate.
//!
//! A request line is the command's arguments as an object with `"id"` and `"cmd"` added; a
//! response line is `{"id", "ok": true, "result"}` or `{"id", "ok": false, "error"}`. Unknown
//! fields and wrong types are errors on both sides. Arguments the helper defaults are `Option`s
//! here, left out of the line when `None`; results' nullable fields are `Option`s that must be
//! present (as `null` when empty).
//!
//! One job per file: `commands` declares the requests (one struct per command), `replies` the
//! results of the commands that act, `snapshot` the result of `observe` (and `shutdown`'s report
//! of what it killed); this file holds the envelope (the [`Command`] trait, [`Response`],
//! [`request_line`]) and the two declaring macros.

use std::collections::BTreeMap;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A request of the protocol: its arguments, its name and the type of its result.
pub trait Command: Serialize {
    /// The command's name (`"cmd"`).
    const NAME: &'static str;
    /// What a successful response's `"result"` holds.
    type Reply: DeserializeOwned;
}

/// A nullable field that must be present: `null` or a value, never left out.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)
}

/// Declares a command: its arguments struct, name and result type. Fields in `{}` are always
/// sent; those in `[]` are arguments the helper defaults: `Option`s, left out when `None`.
macro_rules! command {
    ($(#[$doc:meta])* $name:ident = $wire:literal -> $reply:ty
        { $($(#[$fattr:meta])* $field:ident : $ty:ty),* $(,)? }
        $([ $($opt:ident : $oty:ty),* $(,)? ])?
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fattr])* pub $field: $ty,)*
            $($(#[serde(default, skip_serializing_if = "Option::is_none")] pub $opt: Option<$oty>,)*)?
        }

        impl Command for $name {
            const NAME: &'static str = $wire;
            type Reply = $reply;
        }
    };
}

/// Declares a result struct (every field required; unknown fields are errors).
macro_rules! reply {
    ($(#[$doc:meta])* $name:ident { $($(#[$fattr:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fattr])* pub $field: $ty,)*
        }
    };
}

mod commands;
mod replies;
mod snapshot;
#[cfg(test)]
mod tests;

pub use commands::*;
pub use replies::*;
pub use snapshot::*;

/// One response line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// The request's id (`None` when the request line had none).
    #[serde(deserialize_with = "nullable")]
    pub id: Option<u64>,
    /// Whether the command succeeded.
    pub ok: bool,
    /// The command's result (when `ok`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// What went wrong (when not `ok`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Response {
    /// The command's result, or the helper's error message; `Err` for a response that is
    /// neither (`ok` without `result`, or not `ok` without `error`).
    pub fn outcome(self) -> Result<Result<Value, String>, &'static str> {
        match (self.ok, self.result, self.error) {
            (true, Some(result), None) => Ok(Ok(result)),
            (false, None, Some(error)) => Ok(Err(error)),
            (true, _, _) => Err("\"ok\": true needs a \"result\" and no \"error\""),
            (false, _, _) => Err("\"ok\": false needs an \"error\" and no \"result\""),
        }
    }
}

/// The request line of command `cmd` with id `id`.
pub fn request_line<C: Command>(id: u64, cmd: &C) -> String {
    let mut obj = match serde_json::to_value(cmd).expect("a command serializes") {
        Value::Object(m) => m,
        _ => unreachable!("commands are structs"),
    };
    obj.insert("id".into(), Value::from(id));
    obj.insert("cmd".into(), Value::from(C::NAME));
    Value::Object(obj).to_string()
}
