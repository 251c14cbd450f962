//! What the demo prints: where to sign in, the accounts, the display pages, what to try, and
//! then a tally line whenever the receivers got something new. Nothing personal is printed:
//! the residents appear only as counts, messages only by their alert wording.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::devices::{Device, RUN_SECONDS};
use super::receivers::{Counts, Tally};
use super::residents::Subscribed;
use super::town::{AREAS, Account, NAME, WHOLE};

/// Everything the start text tells.
pub struct Start<'a> {
    /// The server's base URL.
    pub base: &'a str,
    /// The staff accounts.
    pub accounts: &'a [Account],
    /// The sirens and displays.
    pub devices: &'a [Device],
    /// The residents per channel.
    pub subscribed: Subscribed,
    /// The temporary directory.
    pub dir: &'a Path,
    /// Whether it is kept at exit.
    pub keep: bool,
}

/// The start text.
pub fn start(s: &Start<'_>) -> String {
    let mut o = String::new();
    let sirens = s.devices.iter().filter(|d| d.kind == "siren").count();
    let displays: Vec<&Device> = s.devices.iter().filter(|d| d.kind == "display").collect();
    let areas: Vec<&str> = std::iter::once(&WHOLE).chain(AREAS).map(|a| a.name).collect();
    let r = s.subscribed;
    let _ = writeln!(o, "\nTocsin demo: {NAME}, a fictional town, is ready.\n");
    let _ = writeln!(o, "  Admin app:       {}/admin", s.base);
    let _ = writeln!(o, "  Residents' app:  {}/", s.base);
    let _ = writeln!(o, "\n  Staff accounts (passwords made for this run only; no second factor):");
    for a in s.accounts {
        let _ = writeln!(o, "    {:<9} {}   {}", a.username, a.password, a.role);
    }
    let _ = writeln!(o, "\n  Display pages (open one in a browser; the link carries the display's secret):");
    for d in &displays {
        let _ = writeln!(o, "    {}: {}/display/{}#secret={}", d.name, s.base, d.id, d.secret);
    }
    let _ = writeln!(o, "\n  The town's named areas: {}.", areas.join(", "));
    let _ = writeln!(o, "  Four templates, each in Slovak and English.");
    let _ = writeln!(
        o,
        "  {sirens} sirens and {} displays simulated in this process (a signal sounds {RUN_SECONDS} s).",
        displays.len()
    );
    let _ = writeln!(
        o,
        "  {} residents ({} push, {} SMS, {} email); their messages go to this demo's own receivers.",
        r.push + r.sms + r.email,
        r.push,
        r.sms,
        r.email
    );
    let fate = if s.keep { "kept at exit (--keep)" } else { "removed at exit" };
    let _ = writeln!(o, "  Its database and configuration: {} ({fate}).", s.dir.display());
    o.push_str(&steps(AREAS[0].name));
    o
}

/// What to try, in order.
fn steps(area: &str) -> String {
    let steps = [
        "Open the admin app and sign in as author.".to_owned(),
        format!(
            "New alert: choose \"Live warning\" (nothing leaves this machine), start from \"Template: Povodeň / \
             Flood\", fill in the river (Hron) and the level (420), tick the area \"{area}\" and create the draft."
        ),
        "Submit it for approval.".into(),
        "In another browser profile or a private window, open the admin app and sign in as approver.".into(),
        format!("Approval queue: open the alert, approve it, type the area \"{area}\" and issue it."),
        "Watch the alert's deliveries: the sirens by the river acknowledge, and the residents' messages \
         arrive (the line below counts them)."
            .into(),
        "Open the display page by the river (above): the warning shows there too.".into(),
        "Cancel the alert in one click: the sirens sound the end signal and residents get the Cancel.".into(),
    ];
    let mut o = String::from("\nWhat to try:\n");
    for (i, s) in steps.iter().enumerate() {
        let _ = writeln!(o, "  {}. {}", i + 1, wrap(s, WIDTH - 5, "     "));
    }
    o.push_str("\nCtrl-C stops the demo.\n");
    o
}

/// The width the text is wrapped to, for a terminal of 100 columns.
const WIDTH: usize = 96;

/// `text` broken into lines of at most `width` characters at spaces, every line after the
/// first starting with `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split(' ') {
        let n = word.chars().count();
        if line > 0 && line + 1 + n > width {
            out.push('\n');
            out.push_str(indent);
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += n;
    }
    out
}

/// The tally line.
pub fn tally_line(c: Counts, s: Subscribed) -> String {
    format!(
        "received: push {}, sms {}, email {} (the town has {} push, {} sms, {} email residents)",
        c.push, c.sms, c.email, s.push, s.sms, s.email
    )
}

/// Prints the tally every two seconds while it changes, with the texts newly received.
pub async fn tally(tally: Arc<Tally>, subscribed: Subscribed) {
    let mut shown = Counts::default();
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tick.tick().await;
        let now = tally.counts();
        if now == shown {
            continue;
        }
        shown = now;
        println!("{}", tally_line(now, subscribed));
        for text in tally.take_latest() {
            println!("    latest {text}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_are_numbered_and_name_the_area() {
        let s = steps("Pri rieke");
        assert!(s.contains("  1. Open the admin app"));
        assert!(s.contains("  8. Cancel"));
        assert!(s.contains("type the area \"Pri rieke\""));
    }

    #[test]
    fn long_lines_are_wrapped_at_spaces_and_indented() {
        assert_eq!(wrap("aa bb cc dd", 5, "  "), "aa bb\n  cc dd");
        assert_eq!(wrap("short", 20, "  "), "short");
        assert!(steps("Pri rieke").lines().all(|l| l.chars().count() <= WIDTH), "{}", steps("Pri rieke"));
    }

    #[test]
    fn the_tally_line_reads_per_channel() {
        let line = tally_line(Counts { push: 3, sms: 2, email: 1 }, Subscribed { push: 5, sms: 3, email: 2 });
        assert_eq!(line, "received: push 3, sms 2, email 1 (the town has 5 push, 3 sms, 2 email residents)");
    }
}
