//! Parse-once domain types: everything after the HTTP edge works on these,
//! never on the raw strings of the payload.

#[macro_use]
mod labels;
mod country;
mod event;
mod fields;
mod finished_call;
mod params;
mod quality;
mod reading;

pub use country::{Country, CountryLabels};
pub use event::{EventError, EventId, StatusEvent};
pub use fields::{
    Field, Kind, MetricDef, Numeric, Row, Series, Special, FIELDS, MOS_BUCKETS, PACKET_LOSS,
};
pub use finished_call::{FinishedCall, Numbers, RecordedNumbers};
pub use labels::{CallStatus, Direction, Outcome, SipCode};
pub use params::{DecodeError, Params, Value};
pub use quality::{Audio, Issue, Issues, Quality, Thresholds};
pub use reading::Reading;
