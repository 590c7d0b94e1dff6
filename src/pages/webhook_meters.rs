//! The status page's webhook outcomes: a meter per outcome, and a hint when
//! every signed request was refused.

use maud::{html, Markup};

use crate::domain::Outcome;

/// `webhooks` is indexed by `Outcome::index()`, as the window counts them.
pub fn webhooks_section(webhooks: &[u64; Outcome::COUNT], window: &str) -> Markup {
    let total: u64 = webhooks.iter().sum();
    let max = webhooks.iter().copied().max().unwrap_or(0).max(1);
    let n = |o: Outcome| webhooks[o.index()];
    let all_refused = n(Outcome::InvalidSignature) > 0 && n(Outcome::Accepted) == 0;
    html! {
        section id="webhooks" {
            h2 { "Webhooks " span class="muted" { "· " (window) ", " (total) " requests" } }
            table {
                @for outcome in Outcome::ALL {
                    @let n = n(*outcome);
                    @let width = (n as f64 / max as f64 * 1000.0).round() / 10.0;
                    tr class="outcome" {
                        td { code { (outcome.as_str()) } }
                        td class="num" { (n) }
                        td {
                            div class="meter" {
                                div style={ "width:" (width) "%;background:" (colour(*outcome)) } {}
                            }
                        }
                    }
                }
            }
            @if all_refused {
                p class="bad" {
                    "Every signed webhook was rejected: check the signing key and that "
                    code { "--web.external-url" } " is the URL SignalWire calls."
                }
            }
        }
    }
}

/// Green for accepted, grey for harmless duplicates, red for what an alert
/// watches (`invalid_signature`, `bad_request`), amber for the other rejections.
fn colour(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Accepted => "#1a7f37",
        Outcome::Duplicate => "#8c959f",
        Outcome::InvalidSignature | Outcome::BadRequest => "#cf222e",
        _ => "#d97706",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(Outcome, u64)]) -> [u64; Outcome::COUNT] {
        let mut counts = [0; Outcome::COUNT];
        for (o, n) in pairs {
            counts[o.index()] = *n;
        }
        counts
    }

    #[test]
    fn webhook_meters_are_as_wide_as_their_share_of_the_largest_outcome() {
        let c = counts(&[
            (Outcome::Accepted, 200),
            (Outcome::Duplicate, 50),
            (Outcome::BadRequest, 1),
        ]);
        let html = webhooks_section(&c, "last 5 minutes").into_string();
        assert!(html.contains("<div style=\"width:100%;background:#1a7f37\">"));
        assert!(html.contains("<div style=\"width:25%;background:#8c959f\">"));
        assert!(html.contains("<div style=\"width:0.5%;background:#cf222e\">"));
        assert!(html.contains("<div style=\"width:0%;background:#d97706\">"));
        assert!(html.contains("· last 5 minutes, 251 requests</span>"));
        assert_eq!(
            html.matches("<tr class=\"outcome\">").count(),
            Outcome::COUNT
        );
    }

    #[test]
    fn only_rejected_signatures_get_a_hint() {
        let hint = "Every signed webhook was rejected: check the signing key";
        let refused = counts(&[(Outcome::InvalidSignature, 3)]);
        assert!(webhooks_section(&refused, "w").into_string().contains(hint));
        let some = counts(&[(Outcome::InvalidSignature, 3), (Outcome::Accepted, 1)]);
        assert!(!webhooks_section(&some, "w").into_string().contains(hint));
    }
}
