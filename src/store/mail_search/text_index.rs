//! The two full-text indexes a search can match text in, and how a text match is tested.

use crate::search::{Field, Query};

/// The full-text index a text expression is matched in: both are keyed by `fts_key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TextIndex {
    /// Every field, bodies included (`mail_fts_v2`).
    Full,
    /// Subject, from, to and cc only (`mail_fts_headers`, migration V21): a fraction of the
    /// size, so a common word's doclist there holds only the headers that have it.
    Headers,
}

impl TextIndex {
    pub(super) fn table(self) -> &'static str {
        match self {
            TextIndex::Full => "mail_fts_v2",
            TextIndex::Headers => "mail_fts_headers",
        }
    }

    /// The headers index when every text term among `terms` names a header field (`from:`,
    /// `to:`, `cc:`, `subject:`), else the whole index.
    pub(super) fn for_terms<'a>(terms: impl IntoIterator<Item = &'a Query>) -> TextIndex {
        if terms.into_iter().all(header_terms_only) {
            TextIndex::Headers
        } else {
            TextIndex::Full
        }
    }
}

/// Whether every text term in `q` is a header field term.
fn header_terms_only(q: &Query) -> bool {
    match q {
        // Every field is a column of the headers' index; a new one must be added there first.
        Query::Field(Field::From | Field::To | Field::Cc | Field::Subject, _) => true,
        Query::And(items) | Query::Or(items) => items.iter().all(header_terms_only),
        Query::Not(inner) => header_terms_only(inner),
        _ => false,
    }
}

/// How a text match outside the index walk is tested.
#[derive(Debug, Clone, Copy)]
pub(super) enum Probe {
    /// Against the whole hit set, built once per search: cheap per message, so used when many
    /// messages are tested.
    In,
    /// For one message (the index seeks to its key): used when a few messages are tested, where
    /// building the whole hit set of a common word would cost more than all the probes.
    At,
}

impl Probe {
    pub(super) fn sql(self, index: TextIndex) -> String {
        let t = index.table();
        match self {
            Probe::In => format!("m.fts_key IN (SELECT rowid FROM {t} WHERE {t} MATCH ?)"),
            Probe::At => {
                format!("EXISTS (SELECT 1 FROM {t} WHERE {t} MATCH ? AND rowid = m.fts_key)")
            }
        }
    }
}
