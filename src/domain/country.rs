//! The remote party's country (`--labels.country`): the ISO 3166-1 alpha-2
//! region of a strict E.164 number that libphonenumber's metadata calls
//! valid, `unknown` otherwise, `other` outside the allow-list. The number is
//! read here only; nothing of it but the region leaves this module.

use phonenumber::metadata::DATABASE;

use super::labels::Direction;
use super::params::{Params, Value};

mod rules;

/// A `country` label value: a region (upper case), `other` or `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Country {
    /// Two ASCII upper-case letters.
    Region([u8; 2]),
    /// A valid number outside the allow-list.
    Other,
    /// No number, not E.164, not valid, or not in one region.
    Unknown,
}

impl Country {
    /// 26 × 26 regions, then `other`, then `unknown`.
    pub const COUNT: usize = 26 * 26 + 2;

    /// Two letters, either case, that name a region of the metadata.
    pub fn region(code: &str) -> Option<Self> {
        let &[a, b] = code.as_bytes() else {
            return None;
        };
        if !(a.is_ascii_alphabetic() && b.is_ascii_alphabetic()) {
            return None;
        }
        let up = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
        let name = std::str::from_utf8(&up).ok()?;
        DATABASE.by_id(name).map(|_| Country::Region(up))
    }

    pub fn as_str(&self) -> &str {
        match self {
            // Built only from ASCII letters.
            Country::Region(code) => std::str::from_utf8(code).unwrap_or("unknown"),
            Country::Other => "other",
            Country::Unknown => "unknown",
        }
    }

    /// The `country` label value as a filter names it: a region in either
    /// case, `other` or `unknown`.
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "other" => Some(Country::Other),
            "unknown" => Some(Country::Unknown),
            _ => Self::region(s),
        }
    }

    /// A dense slot: regions first, then `other`, then `unknown`.
    pub fn index(&self) -> usize {
        match self {
            Country::Region([a, b]) => usize::from(a - b'A') * 26 + usize::from(b - b'A'),
            Country::Other => 26 * 26,
            Country::Unknown => 26 * 26 + 1,
        }
    }

    /// Every region of the metadata: the label values `--labels.country`
    /// can give besides `other` and `unknown`.
    pub fn regions() -> Vec<Country> {
        let mut all: Vec<Country> = DATABASE
            .iter()
            .filter_map(|m| Self::region(m.id()))
            .collect();
        all.sort_by_key(Country::index);
        all.dedup();
        all
    }

    /// A valid number of this region (the metadata's example fixed line or
    /// mobile), for the simulator and the benchmarks.
    pub fn example_number(&self) -> Option<String> {
        let meta = DATABASE.by_id(self.as_str())?;
        let d = meta.descriptors();
        [d.fixed_line(), d.mobile()]
            .into_iter()
            .flatten()
            .filter_map(|t| t.example())
            .map(|national| format!("+{}{national}", meta.country_code()))
            .find(|n| Country::of_number(n) == *self)
    }

    /// The country of `number`: strict E.164 (`+`, 2 to 15 digits), valid
    /// per the metadata, in one region; `Unknown` otherwise.
    pub fn of_number(number: &str) -> Self {
        match number.strip_prefix('+') {
            Some(digits) if is_digits(digits) => rules::region_of(digits),
            _ => Country::Unknown,
        }
    }
}

impl std::fmt::Display for Country {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// 2 to 15 ASCII digits, nothing else.
fn is_digits(s: &str) -> bool {
    (2..=15).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// `--labels.country` and `--labels.country-allow`: which number of a
/// call is the remote party's, and which countries keep their own value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryLabels {
    /// `None`: every country keeps its value. Index: `Country::index()`.
    allow: Option<Box<[bool]>>,
}

impl CountryLabels {
    /// Without an allow-list: every valid country is its own value.
    pub fn all() -> Self {
        rules::prepare();
        CountryLabels { allow: None }
    }

    /// `--labels.country-allow`: a comma list of two-letter codes, either
    /// case; the one line naming the first bad entry otherwise.
    pub fn allowing(list: &str) -> Result<Self, String> {
        let mut allow = vec![false; Country::COUNT].into_boxed_slice();
        for entry in list.split(',').map(str::trim) {
            let Some(country) = Country::region(entry) else {
                return Err(format!(
                    "--labels.country-allow: {entry:?} is not a two-letter region code of \
                     libphonenumber (e.g. US, GB; the United Kingdom is GB)"
                ));
            };
            allow[country.index()] = true;
        }
        rules::prepare();
        Ok(CountryLabels { allow: Some(allow) })
    }

    /// The remote party's country: `To` for calls we place, `From` for
    /// inbound ones, `Unknown` for a call of unknown direction.
    pub fn of_call(&self, direction: Direction, params: &Params<'_>) -> Country {
        let text = |name| params.get(name).and_then(Value::as_text);
        self.of_remote(direction, text("From"), text("To"))
    }

    /// The same from the call's two numbers, wherever they came from (a
    /// call-state webhook's device).
    pub fn of_remote(&self, direction: Direction, from: Option<&str>, to: Option<&str>) -> Country {
        let number = match direction {
            Direction::Inbound => from,
            Direction::Other => return Country::Unknown,
            // outbound-api, outbound-dial and any outbound direction.
            _ => to,
        };
        self.limit(self.of_number(number.unwrap_or("")))
    }

    fn limit(&self, country: Country) -> Country {
        match (&self.allow, country) {
            (Some(allow), Country::Region(_)) if !allow[country.index()] => Country::Other,
            _ => country,
        }
    }

    /// [`Country::of_number`].
    pub fn of_number(&self, number: &str) -> Country {
        Country::of_number(number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(n: &str) -> String {
        Country::of_number(n).to_string()
    }

    #[test]
    fn nanp_numbers_are_us_ca_and_the_caribbean() {
        assert_eq!(of("+14155550100"), "US");
        assert_eq!(of("+12125550123"), "US");
        assert_eq!(of("+16135550123"), "CA");
        assert_eq!(of("+14165550123"), "CA");
        assert_eq!(of("+18765551234"), "JM");
        assert_eq!(of("+12464301234"), "BB");
        assert_eq!(of("+17875551234"), "PR");
        // An unassigned area code.
        assert_eq!(of("+11115550123"), "unknown");
    }

    #[test]
    fn plus_seven_is_russia_or_kazakhstan() {
        assert_eq!(of("+79123456789"), "RU");
        assert_eq!(of("+74951234567"), "RU");
        assert_eq!(of("+77012345678"), "KZ");
        assert_eq!(of("+77172123456"), "KZ");
    }

    #[test]
    fn plus_forty_four_is_gb_or_a_crown_dependency() {
        assert_eq!(of("+442079460123"), "GB");
        assert_eq!(of("+447400123456"), "GB");
        assert_eq!(of("+441481256789"), "GG");
        assert_eq!(of("+441534123456"), "JE");
        assert_eq!(of("+441624812345"), "IM");
        assert_eq!(of("+447624123456"), "IM");
    }

    #[test]
    fn italian_fixed_lines_are_it_and_the_vatican_range_va() {
        assert_eq!(of("+390612345678"), "IT");
        assert_eq!(of("+39021234567"), "IT");
        assert_eq!(of("+393123456789"), "IT");
        assert_eq!(of("+390669812345"), "VA");
        assert_eq!(of("+39066981234"), "VA");
        // San Marino has its own calling code.
        assert_eq!(of("+3780549886377"), "SM");
    }

    #[test]
    fn anything_but_a_valid_strict_e164_number_is_unknown() {
        for bad in [
            "sip:alice@example.com",
            "sip:+14155550100@example.com",
            "client:bob",
            "+1 (415) 555-0100",
            "+1-415-555-0100",
            "14155550100",
            "+999123",
            "+80012345678",
            "+88213100000",
            "+1415555010",
            "+141555501000",
            "+4420794601234567",
            "+",
            "+1",
            "",
            "anonymous",
            "+１４１５５５５０１００",
            "+14155550100\u{0}",
        ] {
            assert_eq!(Country::of_number(bad), Country::Unknown, "{bad:?}");
        }
    }

    #[test]
    fn the_remote_party_depends_on_the_direction() {
        let params: Params<'static> = [("From", "+14155550100"), ("To", "+442079460123")]
            .into_iter()
            .collect();
        let all = CountryLabels::all();
        let country = |d| all.of_call(d, &params).to_string();
        assert_eq!(country(Direction::Inbound), "US");
        assert_eq!(country(Direction::OutboundApi), "GB");
        assert_eq!(country(Direction::OutboundDial), "GB");
        assert_eq!(country(Direction::Other), "unknown");
        let empty = Params::default();
        assert_eq!(all.of_call(Direction::Inbound, &empty), Country::Unknown);
    }

    #[test]
    fn the_allow_list_turns_other_countries_into_other() {
        let labels = CountryLabels::allowing("us, ca,Gb").unwrap();
        assert_eq!(
            labels.of_number("+14155550100"),
            Country::region("US").unwrap()
        );
        assert_eq!(
            labels.limit(Country::of_number("+79123456789")),
            Country::Other
        );
        assert_eq!(
            labels.limit(Country::of_number("+44207946")),
            Country::Unknown
        );
        assert_eq!(
            labels
                .limit(Country::of_number("+442079460123"))
                .to_string(),
            "GB"
        );
        for bad in ["USA", "1X", "U", "", "US,", "UK", "ÜS"] {
            assert!(CountryLabels::allowing(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn almost_every_region_has_an_example_number_of_its_own() {
        let regions = Country::regions();
        assert!(regions.len() > 240, "{}", regions.len());
        let with = regions
            .iter()
            .filter(|r| r.example_number().is_some())
            .count();
        assert!(with + 5 >= regions.len(), "{with} of {}", regions.len());
        assert_eq!(
            Country::region("GB").unwrap().example_number().unwrap(),
            "+441212345678"
        );
    }

    #[test]
    fn every_label_value_has_its_own_slot() {
        let mut seen = vec![false; Country::COUNT];
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                let i = Country::Region([a, b]).index();
                assert!(!seen[i]);
                seen[i] = true;
            }
        }
        assert_eq!(Country::Other.index(), Country::COUNT - 2);
        assert_eq!(Country::Unknown.index(), Country::COUNT - 1);
        assert_eq!(Country::from_name("gb"), Country::region("GB"));
        assert_eq!(Country::from_name("other"), Some(Country::Other));
        assert_eq!(Country::from_name("XX"), None);
    }
}
