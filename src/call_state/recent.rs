//! The latest finished calls worth a look (`GET /calls`).

use std::collections::VecDeque;

use super::CallsQuery;
use crate::domain::FinishedCall;

/// The last `limit` listed calls, newest first.
#[derive(Debug, Clone, Default)]
pub struct RecentCalls {
    limit: usize,
    calls: VecDeque<FinishedCall>,
}

impl RecentCalls {
    pub fn new(limit: usize) -> Self {
        RecentCalls {
            limit,
            calls: VecDeque::new(),
        }
    }

    pub fn push(&mut self, call: FinishedCall) {
        if self.limit == 0 {
            return;
        }
        if self.calls.len() >= self.limit {
            self.calls.pop_back();
        }
        self.calls.push_front(call);
    }

    pub fn len(&self) -> usize {
        self.calls.len()
    }

    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// Every call, newest first.
    pub fn iter(&self) -> impl Iterator<Item = &FinishedCall> {
        self.calls.iter()
    }

    /// The calls `query` selects, newest first, its limit applied last.
    pub fn select<'a>(&'a self, query: &'a CallsQuery) -> impl Iterator<Item = &'a FinishedCall> {
        self.calls
            .iter()
            .filter(|c| query.matches(c))
            .take(query.limit.unwrap_or(usize::MAX))
    }

    /// The body of `GET /calls`.
    pub fn page<'a>(&'a self, query: &'a CallsQuery) -> CallsPage<'a> {
        CallsPage {
            calls: self.select(query).collect(),
        }
    }
}

/// `{"calls": [...]}`.
#[derive(Debug, serde::Serialize)]
pub struct CallsPage<'a> {
    pub calls: Vec<&'a FinishedCall>,
}
