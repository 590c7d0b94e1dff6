//! The flags of optional label breakdowns: `--labels.country`.

use clap::Args;

use crate::domain::CountryLabels;

#[derive(Debug, Clone, Args)]
pub struct LabelArgs {
    /// Count finished calls by the remote party's country too (the
    /// signalwire_country_* families): To of outbound calls, From of inbound
    /// ones, per libphonenumber's metadata.
    #[arg(long = "labels.country", env = "SIGNALWIRE_EXPORTER_LABELS_COUNTRY")]
    pub labels_country: bool,

    /// With --labels.country: the countries that keep their own label value
    /// (comma list of two-letter codes, e.g. US,CA,GB); any other valid
    /// country is "other".
    #[arg(
        long = "labels.country-allow",
        env = "SIGNALWIRE_EXPORTER_LABELS_COUNTRY_ALLOW",
        value_name = "CODES"
    )]
    pub labels_country_allow: Option<String>,
}

impl LabelArgs {
    /// `None` without --labels.country; the one line naming a bad entry of
    /// the allow-list, or the allow-list without the flag.
    pub fn countries(&self) -> Result<Option<CountryLabels>, String> {
        match (&self.labels_country_allow, self.labels_country) {
            (None, false) => Ok(None),
            (None, true) => Ok(Some(CountryLabels::all())),
            (Some(_), false) => Err("--labels.country-allow needs --labels.country".into()),
            (Some(list), true) => CountryLabels::allowing(list).map(Some),
        }
    }
}
