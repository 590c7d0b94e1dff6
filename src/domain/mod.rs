//! Parse-once domain types: everything after the HTTP edge works on these,
//! never on the raw strings of the payload.

mod event;
mod labels;
mod params;
mod reading;

pub use event::{AudioStats, EventError, EventId, StatusEvent};
pub use labels::{CallStatus, Direction, Field, Outcome, SipCode};
pub use params::{DecodeError, Params, Value};
pub use reading::{Count, Milliseconds, Mos, Reading, Seconds};
