//! The handbook against what it describes: `docs/configuration.md` against
//! the real binary's `--help` of every command, `docs/metrics.md` against a
//! real scrape after traffic that creates every family, and the links of
//! README.md and `docs/` against the files and headings they name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use tokio::sync::OnceCell;

use crate::exposition::full_scrape_after_fixed_traffic;
use crate::support::{binary_stdout, repo, Checklist, Metrics, Sample};

/// Each command as the docs' *commands* column names it, and its arguments.
const COMMANDS: [(&str, &[&str]); 3] = [
    ("exporter", &[]),
    ("demo", &["demo"]),
    ("simulate", &["simulate"]),
];

/// Every command has these; the docs say so in a sentence, not a row.
const GENERIC: [&str; 2] = ["--help", "--version"];

const FLAG_TABLE: [&str; 5] = [
    "flag",
    "environment variable",
    "default",
    "commands",
    "meaning",
];
const FAMILY_TABLE: [&str; 5] = ["name", "type", "labels", "buckets", "source"];
const LABEL_TABLE: [&str; 4] = ["label", "families", "closed", "values"];

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One option of a `--help` text: its long flag, `[env: …]` and
/// `[default: …]`.
#[derive(Debug)]
struct HelpOption {
    flag: String,
    env: Option<String>,
    default: Option<String>,
}

/// The options of a clap help text, short or long form: a line that starts
/// (after its indent) with `--x` or `-x, --x` opens one, and the lines up to
/// the next one or the next heading describe it.
fn help_options(help: &str) -> Vec<HelpOption> {
    let mut options: Vec<(String, String)> = Vec::new();
    for line in help.lines() {
        let trimmed = line.trim_start();
        let indented = trimmed.len() < line.len();
        let flag = trimmed
            .split_whitespace()
            .map(|w| w.trim_end_matches(','))
            .take(2)
            .find(|w| w.starts_with("--") && w.len() > 2);
        let opens = trimmed.starts_with("--") || trimmed.get(2..5) == Some(", -");
        match (
            indented,
            opens.then_some(flag).flatten(),
            options.last_mut(),
        ) {
            (true, Some(flag), _) => options.push((flag.to_owned(), trimmed.to_owned())),
            (true, None, Some((_, text))) => *text += &format!(" {trimmed}"),
            _ => {}
        }
    }
    let bracket = |text: &str, key: &str| {
        let start = text.find(&format!("[{key}: "))? + key.len() + 3;
        let end = start + text[start..].find(']')?;
        Some(text[start..end].to_owned())
    };
    options
        .into_iter()
        .map(|(flag, text)| HelpOption {
            env: bracket(&text, "env").map(|e| e.split('=').next().unwrap_or("").to_owned()),
            default: bracket(&text, "default"),
            flag,
        })
        .collect()
}

/// The rows (cells trimmed) of every table of `markdown` whose header is
/// exactly `header`; tables inside code fences are not tables.
fn table_rows(markdown: &str, header: &[&str]) -> Vec<Vec<String>> {
    let cells = |line: &str| -> Vec<String> {
        let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
        inner.split('|').map(|c| c.trim().to_owned()).collect()
    };
    let mut rows = Vec::new();
    // None outside a table; in one, whether its header is `header`.
    let mut wanted: Option<bool> = None;
    for line in prose_lines(markdown) {
        if !line.trim_start().starts_with('|') {
            wanted = None;
            continue;
        }
        let row = cells(line);
        match wanted {
            None => wanted = Some(row == header),
            Some(false) => {}
            Some(true) if row.iter().all(|c| c.chars().all(|ch| "-: ".contains(ch))) => {}
            Some(true) => rows.push(row),
        }
    }
    rows
}

/// The lines of `markdown` outside code fences.
fn prose_lines(markdown: &str) -> impl Iterator<Item = &str> {
    let mut fenced = false;
    markdown.lines().filter(move |line| {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            return false;
        }
        !fenced
    })
}

/// The `code` spans of a cell, in order.
fn ticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// Words of `text` that look like a flag (`--web.listen-address`) or an
/// environment variable of this project (`SIGNALWIRE_…`).
fn named_flags_and_variables(text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let word = |c: char| c.is_ascii_alphanumeric() || "-._".contains(c);
    let mut flags = BTreeSet::new();
    let mut vars = BTreeSet::new();
    for w in text.split(|c: char| !word(c)) {
        let w = w.trim_end_matches(['.', '-', '_']);
        if w.starts_with("--") && w[2..].starts_with(|c: char| c.is_ascii_lowercase()) {
            flags.insert(w.to_owned());
        } else if w.starts_with("SIGNALWIRE_") {
            vars.insert(w.to_owned());
        }
    }
    (flags, vars)
}

/// The help of every command, parsed.
fn every_help() -> Vec<(&'static str, Vec<HelpOption>)> {
    COMMANDS
        .iter()
        .map(|(name, args)| {
            let args: Vec<&str> = args.iter().copied().chain(["--help"]).collect();
            (*name, help_options(&binary_stdout(&args)))
        })
        .collect()
}

/// A row of a flag table: flag, environment variable, default, commands.
struct FlagRow {
    flag: String,
    env: Option<String>,
    /// The cell without backticks, for reading.
    default: String,
    /// What the cell allows: each `code` span, or the whole cell as text
    /// (for a default written as a sentence).
    defaults: Vec<String>,
    commands: Vec<String>,
}

fn flag_rows(markdown: &str) -> Vec<FlagRow> {
    table_rows(markdown, &FLAG_TABLE)
        .into_iter()
        .map(|r| FlagRow {
            flag: ticked(&r[0]).join(" "),
            env: ticked(&r[1]).first().cloned(),
            default: r[2].replace('`', ""),
            defaults: ticked(&r[2])
                .into_iter()
                .chain([r[2].replace('`', "")])
                .collect(),
            commands: r[3].split(',').map(|c| c.trim().to_owned()).collect(),
        })
        .collect()
}

#[test]
fn every_flag_and_environment_variable_of_help_is_in_configuration_md() {
    let doc = flag_rows(&read("docs/configuration.md"));
    let mut checks = Checklist::default();
    for (command, options) in every_help() {
        checks.that(
            format!("{command} --help lists no option"),
            options.len() > 2,
        );
        for option in options
            .iter()
            .filter(|o| !GENERIC.contains(&o.flag.as_str()))
        {
            let what = format!("{command} {}", option.flag);
            let row = doc
                .iter()
                .find(|r| r.flag == option.flag && r.commands.iter().any(|c| c == command));
            let Some(row) = row else {
                checks.that(
                    format!("{what}: no row with {command} in its commands"),
                    false,
                );
                continue;
            };
            checks.eq(
                format!("{what}: environment variable"),
                &row.env,
                &option.env,
            );
            if let Some(default) = &option.default {
                checks.that(
                    format!("{what}: default {default:?} is not in {:?}", row.default),
                    row.defaults.contains(default),
                );
            }
        }
    }
}

#[test]
fn every_flag_and_environment_variable_named_in_configuration_md_exists_in_help() {
    let text = read("docs/configuration.md");
    let helps = every_help();
    let mut checks = Checklist::default();
    for row in flag_rows(&text) {
        checks.that(
            format!("a row without commands: {}", row.flag),
            !row.commands.is_empty(),
        );
        for command in &row.commands {
            let options = helps.iter().find(|(name, _)| name == command);
            let Some((_, options)) = options else {
                checks.that(format!("{}: no command {command:?}", row.flag), false);
                continue;
            };
            checks.that(
                format!("{} is not an option of {command}", row.flag),
                options.iter().any(|o| o.flag == row.flag),
            );
        }
    }
    let known_flags: BTreeSet<&str> = helps
        .iter()
        .flat_map(|(_, options)| options.iter().map(|o| o.flag.as_str()))
        .collect();
    let known_vars: BTreeSet<&str> = helps
        .iter()
        .flat_map(|(_, options)| options.iter().filter_map(|o| o.env.as_deref()))
        .collect();
    let (flags, vars) = named_flags_and_variables(&text);
    for flag in &flags {
        checks.that(
            format!("{flag} is named but no command has it"),
            known_flags.contains(flag.as_str()),
        );
    }
    for var in &vars {
        checks.that(
            format!("{var} is named but no flag reads it"),
            known_vars.contains(var.as_str()),
        );
    }
}

/// One scrape after traffic that creates every family, shared by the tests
/// below: it costs a simulator run.
async fn full_scrape() -> &'static str {
    static SCRAPE: OnceCell<String> = OnceCell::const_new();
    SCRAPE
        .get_or_init(full_scrape_after_fixed_traffic)
        .await
        .as_str()
}

/// `# TYPE` of every family but `process_*`.
fn scraped_types(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_once(' '))
        .filter(|(name, _)| !name.starts_with("process_"))
        .map(|(name, kind)| (name.to_owned(), kind.trim().to_owned()))
        .collect()
}

/// The samples of a family: itself, or its `_bucket`, `_sum` and `_count`.
fn family_samples<'a>(m: &'a Metrics, family: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
    m.all().filter(move |s| {
        let suffix = s.name.strip_prefix(family);
        suffix.is_some_and(|x| ["", "_bucket", "_sum", "_count"].contains(&x))
    })
}

/// The label names of a family's series, `le` aside.
fn label_names(m: &Metrics, family: &str) -> BTreeSet<String> {
    family_samples(m, family)
        .flat_map(|s| s.labels.keys().cloned())
        .filter(|l| l != "le")
        .collect()
}

/// The finite `le` bounds of a histogram, ascending and distinct.
fn bucket_bounds(m: &Metrics, family: &str) -> Vec<f64> {
    let mut bounds: Vec<f64> = family_samples(m, family)
        .filter(|s| s.name.ends_with("_bucket"))
        .filter_map(|s| s.labels.get("le")?.parse::<f64>().ok())
        .filter(|b| b.is_finite())
        .collect();
    bounds.sort_by(f64::total_cmp);
    bounds.dedup();
    bounds
}

fn documented_buckets(cell: &str) -> Vec<f64> {
    cell.split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(|b| {
            b.parse()
                .unwrap_or_else(|_| panic!("bucket {b:?} is not a number"))
        })
        .collect()
}

/// `none`, or comma-separated label names.
fn documented_labels(cell: &str) -> BTreeSet<String> {
    cell.split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "none")
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_family_of_a_real_scrape_is_in_metrics_md_with_its_type_labels_and_buckets() {
    let text = full_scrape().await;
    let metrics = Metrics::parse(text);
    let scraped = scraped_types(text);
    let rows = table_rows(&read("docs/metrics.md"), &FAMILY_TABLE);
    let documented: BTreeMap<String, &Vec<String>> =
        rows.iter().map(|r| (ticked(&r[0]).join(""), r)).collect();
    let mut checks = Checklist::default();
    checks.eq("documented rows", documented.len(), rows.len());
    for name in scraped.keys().filter(|n| !documented.contains_key(*n)) {
        checks.that(format!("{name} is scraped but not in metrics.md"), false);
    }
    for name in documented.keys().filter(|n| !scraped.contains_key(*n)) {
        checks.that(format!("{name} is in metrics.md but not scraped"), false);
    }
    for (name, kind) in &scraped {
        let Some(row) = documented.get(name) else {
            continue;
        };
        checks.eq(
            format!("{name}: type (metrics.md, scrape)"),
            row[1].as_str(),
            kind.as_str(),
        );
        checks.eq(
            format!("{name}: labels (metrics.md, scrape)"),
            documented_labels(&row[2]),
            label_names(&metrics, name),
        );
        checks.eq(
            format!("{name}: buckets (metrics.md, scrape)"),
            documented_buckets(&row[3]),
            bucket_bounds(&metrics, name),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_closed_label_of_a_real_scrape_takes_exactly_the_values_in_metrics_md() {
    let text = full_scrape().await;
    let metrics = Metrics::parse(text);
    let mut scraped: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for family in scraped_types(text).keys() {
        for sample in family_samples(&metrics, family) {
            for (label, value) in sample.labels.iter().filter(|(l, _)| *l != "le") {
                scraped
                    .entry(label.clone())
                    .or_default()
                    .insert(value.clone());
            }
        }
    }
    let mut documented: BTreeMap<String, Option<BTreeSet<String>>> = BTreeMap::new();
    for row in table_rows(&read("docs/metrics.md"), &LABEL_TABLE) {
        let entry = documented.entry(ticked(&row[0]).join("")).or_insert(None);
        if row[2] == "yes" {
            entry
                .get_or_insert_with(BTreeSet::new)
                .extend(ticked(&row[3]));
        }
    }
    let mut checks = Checklist::default();
    checks.eq(
        "label names (scrape, metrics.md)",
        scraped.keys().collect::<Vec<_>>(),
        documented.keys().collect::<Vec<_>>(),
    );
    for (label, values) in &documented {
        let (Some(values), Some(seen)) = (values, scraped.get(label)) else {
            continue;
        };
        checks.eq(
            format!("values of {label} (scrape, metrics.md)"),
            seen,
            values,
        );
    }
}

/// The GitHub anchor of a heading: lower case, punctuation dropped, spaces
/// as hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || " -_".contains(*c))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(markdown: &str) -> BTreeSet<String> {
    prose_lines(markdown)
        .filter_map(|l| l.strip_prefix('#'))
        .map(|l| slug(l.trim_start_matches('#')))
        .collect()
}

/// The targets of `[text](target)` and `<http…>` links outside code.
fn links(markdown: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in prose_lines(markdown) {
        let outside_code: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        for part in outside_code.split("](").skip(1) {
            if let Some(end) = part.find(')') {
                found.push(part[..end].to_owned());
            }
        }
        for part in outside_code.split('<').skip(1) {
            if let Some(end) = part.find('>').filter(|_| part.starts_with("http")) {
                found.push(part[..end].to_owned());
            }
        }
    }
    found
}

/// README.md and every page of `docs/`, as paths from the repository root.
fn handbook() -> Vec<String> {
    let mut pages = vec!["README.md".to_owned()];
    let dir = std::fs::read_dir(repo("docs")).expect("docs/");
    let mut docs: Vec<String> = dir
        .map(|e| {
            e.expect("docs/ entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// `target` of a link in `page`, as a path from the repository root.
fn resolve(page: &str, target: &str) -> String {
    let mut parts: Vec<&str> = Path::new(page)
        .parent()
        .map(|p| p.to_str().unwrap_or_default())
        .filter(|p| !p.is_empty())
        .into_iter()
        .collect();
    for piece in target.split('/') {
        match piece {
            ".." => drop(parts.pop()),
            "." | "" => {}
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[test]
fn every_link_of_readme_and_docs_names_a_file_and_heading_that_exist() {
    let mut checks = Checklist::default();
    for page in handbook() {
        let text = read(&page);
        for link in links(&text) {
            let what = format!("{page}: link {link}");
            if link.starts_with("http://") || link.starts_with("https://") {
                // Debian's prometheus answers 404 on /alerts and /targets.
                let path = link.splitn(4, '/').nth(3).unwrap_or_default();
                let old_ui = ["alerts", "targets"].contains(&path.trim_end_matches('/'));
                checks.that(format!("{what}: use /classic/{path}"), !old_ui);
                continue;
            }
            let (file, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let file = if file.is_empty() {
                page.clone()
            } else {
                resolve(&page, file)
            };
            let path: PathBuf = repo(&file);
            if !path.exists() {
                checks.that(format!("{what}: no file {file}"), false);
                continue;
            }
            if !anchor.is_empty() && file.ends_with(".md") {
                let headings = anchors(&read(&file));
                checks.that(
                    format!("{what}: no heading #{anchor} in {file}"),
                    headings.contains(anchor),
                );
            }
        }
    }
}

#[test]
fn the_help_parser_reads_flags_variables_and_defaults_in_both_forms() {
    let short = "Options:\n      --a.b <X>\n          Text [env: A_B=] [default: 1s]\n  \
                 -h, --help\n          Print help\n";
    let long = "Options:\n      --c <N>\n          Text\n          \n          \
                [env: C=set]\n          [default: real-time for demo]\n\n\
                Other options:\n      --d\n          - good: not a flag\n";
    let got: Vec<_> = [short, long]
        .iter()
        .flat_map(|h| help_options(h))
        .map(|o| (o.flag, o.env, o.default))
        .collect();
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(
        got,
        [
            ("--a.b".into(), s("A_B"), s("1s")),
            ("--help".into(), None, None),
            ("--c".into(), s("C"), s("real-time for demo")),
            ("--d".into(), None, None),
        ]
    );
}
