//! libphonenumber's validity and region rules over the `phonenumber`
//! crate's metadata. Not the crate's parser: it strips national prefixes
//! from international numbers (+7 800… loses its 8), drops the leading
//! zero when it picks a region (+39 06… finds none), and its 100-entry
//! regex cache recompiles patterns, about 1 ms a number, once traffic
//! spans more than a few countries (bench/country_check.py). Here each
//! calling code's patterns are compiled once, on its first number (`+1`
//! at start, `prepare`), and a national prefix is stripped as
//! libphonenumber does: only when the number without it still fits
//! (+82 02… is KR 2…).
//!
//! Cost (bench/instructions): a region's number types of the same
//! lengths are one regex, not one each, and a calling code's leading
//! digits one `RegexSet`: an unassigned `+1` number runs 6 regexes, not
//! the 25 regions' 70 or so.

use std::sync::OnceLock;

use phonenumber::metadata::{Descriptor, DATABASE};
use phonenumber::Metadata;
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use super::Country;

/// The metadata's patterns are indented across lines.
fn compact(pattern: &str) -> String {
    pattern.split_whitespace().collect()
}

/// ASCII only (the digits are checked before): smaller and faster.
fn compile(pattern: String) -> Option<Regex> {
    RegexBuilder::new(&pattern).unicode(false).build().ok()
}

/// A pattern, whole-number, and the lengths it allows.
struct Pattern {
    re: Regex,
    /// Empty: any length.
    lengths: Vec<u16>,
}

impl Pattern {
    fn new(d: &Descriptor) -> Option<Self> {
        let re = compile(format!("^(?:{})$", compact(d.national_number().as_str())))?;
        let lengths = d.possible_length().to_vec();
        Some(Pattern { re, lengths })
    }

    fn matches(&self, national: &str) -> bool {
        let len = national.len() as u16;
        (self.lengths.is_empty() || self.lengths.contains(&len)) && self.re.is_match(national)
    }
}

/// Number types whose possible lengths are the same, as one alternation:
/// it matches where one of them would, in one search.
fn group_types(types: Vec<(&Descriptor, &[u16])>) -> Vec<Pattern> {
    let mut groups: Vec<(Vec<u16>, Vec<String>)> = Vec::new();
    for (d, fallback) in types {
        let own = d.possible_length();
        let lengths = if own.is_empty() { fallback } else { own };
        let pattern = compact(d.national_number().as_str());
        let i = match groups.iter().position(|(l, _)| l == lengths) {
            Some(i) => i,
            None => {
                groups.push((lengths.to_vec(), Vec::new()));
                groups.len() - 1
            }
        };
        // The US's fixed-line and mobile patterns are one and the same.
        if !groups[i].1.contains(&pattern) {
            groups[i].1.push(pattern);
        }
    }
    groups
        .into_iter()
        .filter_map(|(lengths, patterns)| {
            let alternatives: Vec<String> = patterns.iter().map(|p| format!("(?:{p})")).collect();
            let re = compile(format!("^(?:{})$", alternatives.join("|")))?;
            Some(Pattern { re, lengths })
        })
        .collect()
}

/// What decides whether a national number belongs to one region.
struct Region {
    country: Country,
    /// Anchored at the start only (libphonenumber's `lookingAt`); in
    /// `Code::leading` too.
    leading: Option<String>,
    general: Pattern,
    /// Every type libphonenumber knows but "unknown", grouped by lengths.
    types: Vec<Pattern>,
    /// The national prefix as parsing finds it, anchored at the start;
    /// `None` with a transform rule (left as written).
    national_prefix: Option<Regex>,
}

impl Region {
    fn new(meta: &Metadata) -> Option<Self> {
        let d = meta.descriptors();
        let general = Pattern::new(d.general())?;
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
        let types = group_types(
            all.into_iter()
                .flatten()
                .map(|t| (t, general.lengths.as_slice()))
                .collect(),
        );
        let leading = meta
            .leading_digits()
            .map(|l| format!("^(?:{})", compact(l.as_str())));
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

/// One calling code's regions in the metadata's order (its main country
/// first), and their leading digits as one set.
struct Code {
    regions: Vec<Region>,
    /// The leading digits of the regions that have them, one pattern each.
    leading: Option<RegexSet>,
    /// Index: the position in `regions`; the region's pattern in `leading`.
    slot: Vec<Option<usize>>,
}

impl Code {
    fn new(code: usize) -> Self {
        let ids = DATABASE.region(&(code as u16)).unwrap_or_default();
        let regions: Vec<Region> = ids
            .into_iter()
            .filter_map(|id| DATABASE.by_id(id))
            .filter_map(Region::new)
            .filter(|r| {
                r.leading
                    .as_deref()
                    .is_none_or(|l| compile(l.to_owned()).is_some())
            })
            .collect();
        let patterns: Vec<&str> = regions
            .iter()
            .filter_map(|r| r.leading.as_deref())
            .collect();
        let mut next = 0;
        let slot = regions
            .iter()
            .map(|r| {
                r.leading.as_ref()?;
                next += 1;
                Some(next - 1)
            })
            .collect();
        let leading = (regions.len() > 1 && !patterns.is_empty())
            .then(|| RegexSetBuilder::new(patterns).unicode(false).build().ok())
            .flatten();
        Code {
            regions,
            leading,
            slot,
        }
    }

    /// libphonenumber's `getRegionCodeForNumber`, then `isValidNumber`:
    /// the first region whose leading digits match, or (without leading
    /// digits) whose types match; valid if its types match.
    fn country(&self, national: &str) -> Country {
        let national = self
            .regions
            .first()
            .map_or(national, |main| main.strip_prefix(national));
        if let [only] = self.regions.as_slice() {
            return if only.has_type(national) {
                only.country
            } else {
                Country::Unknown
            };
        }
        let matched = self.leading.as_ref().map(|set| set.matches(national));
        let leads = |i: usize| {
            let m = matched.as_ref();
            self.slot[i].is_some_and(|k| m.is_some_and(|m| m.matched(k)))
        };
        for (i, r) in self.regions.iter().enumerate() {
            match r.leading {
                Some(_) if leads(i) => return Self::valid(r, r.has_type(national)),
                Some(_) => {}
                // Found by its types: valid already.
                None if r.has_type(national) => return r.country,
                None => {}
            }
        }
        Country::Unknown
    }

    fn valid(r: &Region, has_type: bool) -> Country {
        if has_type {
            r.country
        } else {
            Country::Unknown
        }
    }
}

/// Calling codes are 1 to 3 digits.
const CODES: usize = 1000;

/// Index: the calling code, compiled on first use.
fn code(code: usize) -> &'static Code {
    static TABLE: OnceLock<Box<[OnceLock<Code>]>> = OnceLock::new();
    let table = TABLE.get_or_init(|| (0..CODES).map(|_| OnceLock::new()).collect());
    table[code].get_or_init(|| Code::new(code))
}

/// Compiles the `+1` (NANP) patterns now, at start, not on the first
/// call's number: the likeliest code, and the largest to compile.
pub(super) fn prepare() {
    code(1);
}

/// The country of E.164 digits (without `+`): the calling code is the
/// shortest prefix the metadata knows.
pub(super) fn region_of(digits: &str) -> Country {
    let Some((calling, national)) = (1..=3).filter(|&n| n < digits.len()).find_map(|n| {
        let calling: usize = digits[..n].parse().ok()?;
        DATABASE.region(&(calling as u16))?;
        Some((calling, &digits[n..]))
    }) else {
        return Country::Unknown;
    };
    code(calling).country(national)
}
