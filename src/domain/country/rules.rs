//! libphonenumber's validity and region rules over the `phonenumber`
//! crate's metadata. Not the crate's parser: it strips national prefixes
//! from international numbers (+7 800… loses its 8), drops the leading
//! zero when it picks a region (+39 06… finds none), and its 100-entry
//! regex cache recompiles patterns, about 1 ms a number, once traffic
//! spans more than a few countries (bench/country_check.py). Here each
//! calling code's patterns are compiled once, on its first number, and a
//! national prefix is stripped as libphonenumber does: only when the
//! number without it still fits (+82 02… is KR 2…).

use std::sync::OnceLock;

use phonenumber::metadata::{Descriptor, DATABASE};
use phonenumber::Metadata;
use regex::{Regex, RegexBuilder};

use super::Country;

/// The metadata's patterns are indented across lines.
fn compact(pattern: &str) -> String {
    pattern.split_whitespace().collect()
}

/// ASCII only (the digits are checked before): smaller and faster.
fn compile(pattern: String) -> Option<Regex> {
    RegexBuilder::new(&pattern).unicode(false).build().ok()
}

/// A number type's pattern, whole-number, and its possible lengths.
struct Pattern {
    re: Regex,
    /// Empty: any length.
    lengths: Vec<u16>,
}

impl Pattern {
    fn new(d: &Descriptor, fallback: &[u16]) -> Option<Self> {
        let re = compile(format!("^(?:{})$", compact(d.national_number().as_str())))?;
        let own = d.possible_length();
        let lengths = if own.is_empty() { fallback } else { own };
        Some(Pattern {
            re,
            lengths: lengths.to_vec(),
        })
    }

    fn matches(&self, national: &str) -> bool {
        let len = national.len() as u16;
        (self.lengths.is_empty() || self.lengths.contains(&len)) && self.re.is_match(national)
    }
}

/// What decides whether a national number belongs to one region.
struct Region {
    country: Country,
    /// Anchored at the start only (libphonenumber's `lookingAt`).
    leading: Option<Regex>,
    general: Pattern,
    /// Every type libphonenumber knows but "unknown".
    types: Vec<Pattern>,
    /// The national prefix as parsing finds it, anchored at the start;
    /// `None` with a transform rule (left as written).
    national_prefix: Option<Regex>,
}

impl Region {
    fn new(meta: &Metadata) -> Option<Self> {
        let d = meta.descriptors();
        let general = Pattern::new(d.general(), &[])?;
        let all = [
            d.premium_rate(),
            d.toll_free(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
            d.fixed_line(),
            d.mobile(),
        ];
        let types = all
            .into_iter()
            .flatten()
            .filter_map(|t| Pattern::new(t, &general.lengths))
            .collect();
        let leading = match meta.leading_digits() {
            Some(l) => Some(compile(format!("^(?:{})", compact(l.as_str())))?),
            None => None,
        };
        let prefix = meta
            .national_prefix_for_parsing()
            .map(|p| p.as_str().to_owned())
            .or_else(|| meta.national_prefix().map(regex::escape))
            .filter(|_| meta.national_prefix_transform_rule().is_none());
        let national_prefix = match prefix {
            Some(p) => Some(compile(format!("^(?:{})", compact(&p)))?),
            None => None,
        };
        Some(Region {
            national_prefix,
            // "001", the non-geographic entities, is no region: unknown.
            country: Country::region(meta.id()).unwrap_or(Country::Unknown),
            leading,
            general,
            types,
        })
    }

    /// libphonenumber's `maybeStripNationalPrefixAndCarrierCode`, without
    /// carrier codes: the number without its national prefix, unless the
    /// number fits the region and would not without it.
    fn strip_prefix<'n>(&self, national: &'n str) -> &'n str {
        let Some(m) = self.national_prefix.as_ref().and_then(|p| p.find(national)) else {
            return national;
        };
        let rest = &national[m.end()..];
        if m.end() == 0 || (self.general.matches(national) && !self.general.matches(rest)) {
            national
        } else {
            rest
        }
    }

    /// libphonenumber's "number type is not UNKNOWN".
    fn has_type(&self, national: &str) -> bool {
        self.general.matches(national) && self.types.iter().any(|t| t.matches(national))
    }
}

/// Calling codes are 1 to 3 digits.
const CODES: usize = 1000;

/// Index: the calling code. Each code's regions in the metadata's order
/// (its main country first), compiled on first use.
fn regions(code: usize) -> &'static [Region] {
    static TABLE: OnceLock<Box<[OnceLock<Vec<Region>>]>> = OnceLock::new();
    let table = TABLE.get_or_init(|| (0..CODES).map(|_| OnceLock::new()).collect());
    table[code].get_or_init(|| {
        let ids = DATABASE.region(&(code as u16)).unwrap_or_default();
        ids.into_iter()
            .filter_map(|id| DATABASE.by_id(id))
            .filter_map(Region::new)
            .collect()
    })
}

/// The country of E.164 digits (without `+`): the calling code is the
/// shortest prefix the metadata knows; the region the first of the code
/// whose leading digits match, or (without leading digits) whose types
/// match; valid if its types match the national number.
pub(super) fn region_of(digits: &str) -> Country {
    let Some((code, national)) = (1..=3).filter(|&n| n < digits.len()).find_map(|n| {
        let code: usize = digits[..n].parse().ok()?;
        DATABASE.region(&(code as u16))?;
        Some((code, &digits[n..]))
    }) else {
        return Country::Unknown;
    };
    let regions = regions(code);
    let national = regions
        .first()
        .map_or(national, |main| main.strip_prefix(national));
    let found = if let [only] = regions {
        Some(only)
    } else {
        regions.iter().find(|r| match &r.leading {
            Some(leading) => leading.is_match(national),
            None => r.has_type(national),
        })
    };
    match found {
        Some(r) if r.has_type(national) => r.country,
        _ => Country::Unknown,
    }
}
