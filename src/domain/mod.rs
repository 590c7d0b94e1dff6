//! Parse-once domain types: everything after the HTTP edge works on these,
//! never on the raw strings of the payload.

#[macro_use]
mod labels;
mod call_state_event;
mod country;
mod event;
mod fields;
mod finished_call;
mod params;
mod project;
mod quality;
mod reading;

pub use call_state_event::{
    CallStateError, CallStateEvent, Decoded, Mapped, CALL_STATE_EVENT_TYPE,
};
pub use country::{Country, CountryLabels};
pub use event::{EventError, EventId, StatusEvent};
pub use fields::{
    Field, Kind, MetricDef, Numeric, Row, Series, Special, FIELDS, MOS_BUCKETS, PACKET_LOSS,
};
pub use finished_call::{FinishedCall, Numbers, RecordedNumbers, SILENCE};
pub use labels::{CallStateOutcome, CallStatus, Direction, EndReason, Outcome, SipCode};
pub use params::{DecodeError, Params, Value};
pub use project::{
    project_labels, with_project, Project, ProjectId, ProjectNames, ProjectSlots, MAX_PROJECTS,
    OTHER,
};
pub use quality::{Audio, Issue, Issues, Quality, Thresholds};
pub use reading::Reading;
