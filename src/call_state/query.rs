//! The filters of `GET /calls`: `issue=`, `direction=`, `status=`,
//! `project=`, `country=` (AND), then `limit=`.

use std::fmt;

use crate::domain::{CallStatus, Country, Direction, FinishedCall, Issue, SILENCE};

/// Statuses a listed call can have: the terminal ones.
const STATUSES: [CallStatus; 5] = [
    CallStatus::Completed,
    CallStatus::Busy,
    CallStatus::Failed,
    CallStatus::NoAnswer,
    CallStatus::Canceled,
];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallsQuery {
    pub issue: Option<Issue>,
    /// `issue=silence`: silence is no [`Issue`] (it has no series among
    /// theirs), so it has its own slot, exclusive of `issue`.
    pub silence: bool,
    pub direction: Option<Direction>,
    pub status: Option<CallStatus>,
    /// A `project` label value (one that is no project's selects nothing,
    /// as without a projects file).
    pub project: Option<ProjectName>,
    /// A region (either case), `other` or `unknown`: `--labels.country`.
    pub country: Option<Country>,
    pub limit: Option<usize>,
}

/// Why a query string was refused, in one line (for a 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError(String);

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QueryError {}

fn one_of<T: Copy>(
    name: &str,
    value: &str,
    choices: &[T],
    text: impl Fn(T) -> &'static str,
) -> Result<T, QueryError> {
    choices
        .iter()
        .copied()
        .find(|c| text(*c) == value)
        .ok_or_else(|| {
            let names: Vec<_> = choices.iter().map(|c| text(*c)).collect();
            QueryError(format!(
                "{name}={value:?} is not one of {}",
                names.join(", ")
            ))
        })
}

fn set_once<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), QueryError> {
    if slot.replace(value).is_some() {
        return Err(QueryError(format!("{name}= is given more than once")));
    }
    Ok(())
}

impl CallsQuery {
    /// Parses the query string of a request (without the `?`). Parameters
    /// other than the five are ignored, so links may carry their own.
    pub fn parse(query: Option<&str>) -> Result<Self, QueryError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
            .map_err(|e| QueryError(format!("the query string cannot be decoded: {e}")))?;
        let mut q = CallsQuery::default();
        for (name, value) in &pairs {
            match name.as_str() {
                "issue" => q.set_issue(value)?,
                "direction" => {
                    let d = one_of("direction", value, Direction::ALL, Direction::as_str)?;
                    set_once(&mut q.direction, name, d)?;
                }
                "status" => {
                    let s = one_of("status", value, &STATUSES, CallStatus::as_str)?;
                    set_once(&mut q.status, name, s)?;
                }
                "project" => set_once(&mut q.project, name, ProjectName::parse(value)?)?,
                "country" => set_once(&mut q.country, name, parse_country(value)?)?,
                "limit" => set_once(&mut q.limit, name, parse_limit(value)?)?,
                _ => {}
            }
        }
        Ok(q)
    }

    /// `issue=`: a quality issue, `silence`, or `any` (which takes silence
    /// in too).
    fn set_issue(&mut self, value: &str) -> Result<(), QueryError> {
        if self.issue.is_some() || self.silence {
            return Err(QueryError("issue= is given more than once".into()));
        }
        if value == SILENCE {
            self.silence = true;
            return Ok(());
        }
        let choices = Issue::named().map(Issue::as_str).chain([SILENCE, "any"]);
        self.issue = Some(Issue::parse(value).ok_or_else(|| {
            let names: Vec<_> = choices.collect();
            QueryError(format!(
                "issue={value:?} is not one of {}",
                names.join(", ")
            ))
        })?);
        Ok(())
    }

    pub fn matches(&self, call: &FinishedCall) -> bool {
        let issue = match self.issue {
            Some(Issue::Any) => call.issues().contains(Issue::Any) || call.is_silent(),
            Some(i) => call.issues().contains(i),
            None => true,
        };
        issue
            && (!self.silence || call.is_silent())
            && self.direction.is_none_or(|d| call.direction == d)
            && self.status.is_none_or(|s| call.status == s)
            && self
                .project
                .is_none_or(|p| call.project.as_deref() == Some(p.as_str()))
            && self.country.is_none_or(|c| call.country == Some(c))
    }
}

/// A project's name as a filter: 1 to 32 of `a-z0-9_-`, kept inline so
/// the query stays `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectName {
    bytes: [u8; 32],
    len: u8,
}

impl ProjectName {
    fn parse(value: &str) -> Result<Self, QueryError> {
        let allowed = |b: u8| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-');
        if value.is_empty() || value.len() > 32 || !value.bytes().all(allowed) {
            return Err(QueryError(format!(
                "project={value:?} is not a project name (1 to 32 of a-z, 0-9, _ and -)"
            )));
        }
        let mut bytes = [0; 32];
        bytes[..value.len()].copy_from_slice(value.as_bytes());
        Ok(ProjectName {
            bytes,
            len: value.len() as u8,
        })
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

fn parse_country(value: &str) -> Result<Country, QueryError> {
    Country::from_name(value).ok_or_else(|| {
        QueryError(format!(
            "country={value:?} is not a two-letter region code, other or unknown"
        ))
    })
}

fn parse_limit(value: &str) -> Result<usize, QueryError> {
    let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    match value.parse() {
        Ok(n) if digits => Ok(n),
        _ => Err(QueryError(format!(
            "limit={value:?} is not a whole number from 0 to {}",
            usize::MAX
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(query: &str) -> String {
        CallsQuery::parse(Some(query)).unwrap_err().to_string()
    }

    #[test]
    fn no_query_selects_everything() {
        assert_eq!(CallsQuery::parse(None), Ok(CallsQuery::default()));
        assert_eq!(CallsQuery::parse(Some("")), Ok(CallsQuery::default()));
    }

    #[test]
    fn every_filter_parses_its_exact_label_values() {
        let q = CallsQuery::parse(Some(
            "issue=any&direction=outbound-api&status=no-answer&limit=20&utm=x",
        ))
        .unwrap();
        assert_eq!(
            q,
            CallsQuery {
                issue: Some(Issue::Any),
                direction: Some(Direction::OutboundApi),
                status: Some(CallStatus::NoAnswer),
                project: None,
                country: None,
                limit: Some(20),
                silence: false,
            }
        );
        let q = CallsQuery::parse(Some("issue=high_packet_loss&direction=other&limit=0"));
        assert_eq!(q.unwrap().issue, Some(Issue::HighPacketLoss));
        let q = CallsQuery::parse(Some("issue=silence")).unwrap();
        assert_eq!((q.issue, q.silence), (None, true));
        let q = CallsQuery::parse(Some("status=%63ompleted")).unwrap();
        assert_eq!(q.status, Some(CallStatus::Completed));
    }

    #[test]
    fn unknown_values_are_refused_with_the_choices() {
        let issues = "low_mos, high_packet_loss, high_jitter, silence, any";
        assert_eq!(
            err("issue=low-mos"),
            format!("issue=\"low-mos\" is not one of {}", issues)
        );
        assert_eq!(
            err("direction=Inbound"),
            "direction=\"Inbound\" is not one of \
             inbound, outbound-api, outbound-dial, outbound, other"
        );
        assert_eq!(
            err("status=ringing"),
            "status=\"ringing\" is not one of completed, busy, failed, no-answer, canceled"
        );
        assert_eq!(
            err("issue="),
            format!("issue=\"\" is not one of {}", issues)
        );
    }

    #[test]
    fn a_limit_must_be_plain_digits_that_fit() {
        for bad in [
            "",
            "-1",
            "+5",
            "1.5",
            " 3",
            "ten",
            "99999999999999999999999",
        ] {
            let e = err(&format!(
                "limit={}",
                bad.replace('+', "%2B").replace(' ', "%20")
            ));
            assert_eq!(
                e,
                format!(
                    "limit={bad:?} is not a whole number from 0 to {}",
                    usize::MAX
                )
            );
        }
    }

    #[test]
    fn a_filter_given_twice_is_refused() {
        assert_eq!(err("limit=1&limit=2"), "limit= is given more than once");
        assert_eq!(err("issue=any&issue=any"), "issue= is given more than once");
        assert_eq!(
            err("issue=silence&issue=any"),
            "issue= is given more than once"
        );
        assert_eq!(
            err("issue=any&issue=silence"),
            "issue= is given more than once"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_become_an_unknown_value() {
        assert_eq!(
            err("status=%FF"),
            "status=\"\u{fffd}\" is not one of completed, busy, failed, no-answer, canceled"
        );
        assert_eq!(
            err("direction=a%0Ab"),
            format!(
                "direction=\"a\\nb\" is not one of {}",
                "inbound, outbound-api, outbound-dial, outbound, other"
            )
        );
    }
}
