//! An accessibility audit of the page a browser shows: axe-core (from npm, installed in
//! `dispatcher/tests/a11y`) run in the page with the WCAG 2.0, 2.1 and 2.2 A and AA rules.
//! Without it the audit says so and is skipped; under CI it is required.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use super::webdriver::Browser;

/// The rules audited: every WCAG success criterion at levels A and AA that axe checks.
const TAGS: &[&str] = &["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

fn axe_source() -> Option<String> {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/a11y/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&file) {
        Ok(text) => Some(text),
        Err(_) if std::env::var_os("TOCSIN_CI").is_some() => {
            panic!("axe-core is required under CI: npm ci --prefix dispatcher/tests/a11y")
        }
        Err(_) => {
            eprintln!("skipping an accessibility audit: run `npm ci --prefix dispatcher/tests/a11y`");
            None
        }
    }
}

/// The violations axe finds in the page as it is now, each as `rule (impact): nodes` lines;
/// empty when the page passes (or when axe is not installed off CI).
pub async fn violations(b: &Browser) -> Vec<String> {
    let Some(axe) = axe_source() else { return Vec::new() };
    // WebDriver scripts are not subject to the page's Content-Security-Policy, so axe is
    // loaded by running its source as the script itself.
    b.execute(&format!("{axe}\n;window.__axe = axe; return true;"), json!([])).await;
    let start = "window.__axeDone = null; window.__axe.run(document, { runOnly: { type: 'tag', values: arguments[0] }, \
                 resultTypes: ['violations'] }).then(r => { window.__axeDone = r.violations; }, \
                 e => { window.__axeDone = [{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]; }); \
                 return true;";
    b.execute(start, json!([TAGS])).await;
    let found = b.wait_for("the accessibility audit", "return window.__axeDone;", Duration::from_secs(60)).await;
    found.as_array().map(|v| v.iter().map(describe).collect()).unwrap_or_default()
}

fn describe(v: &Value) -> String {
    let nodes: Vec<String> = v["nodes"]
        .as_array()
        .map(|n| {
            n.iter()
                .take(5)
                .map(|n| format!("{} ({})", n["target"], n["failureSummary"].as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    format!(
        "{} ({}): {}: {}",
        v["id"].as_str().unwrap_or("?"),
        v["impact"].as_str().unwrap_or("?"),
        v["help"].as_str().unwrap_or(""),
        nodes.join("; ")
    )
}

/// Fails the test with the violations of the page, naming the screen.
pub async fn assert_accessible(b: &Browser, screen: &str) {
    let found = violations(b).await;
    assert!(found.is_empty(), "{screen} has accessibility violations:\n{}", found.join("\n"));
}
