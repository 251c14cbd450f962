//! `tocsin residents import` run as an operator runs it, on both backends: every bad row named
//! with its line and field (no address printed in full), nothing imported from a file with bad
//! rows unless `--skip-bad-rows`, `--dry-run` storing nothing, duplicates reported and skipped.

use crate::cli_admin::{Cli, out};
use crate::support::Backend;

const GOOD: &str = "phone,email,lat,lon,area,language\n\
                    +421 900 100 200,,48.15,17.10,,sk\n\
                    ,\"eva@levice.example\",48.16,17.11,,\"sk,en\"\n\
                    00421 900 100 300,jan@levice.example,48.17,17.12,,en\n";

const BAD: &str = "0900 100 400,,48.15,17.10,,sk\n\
                   +421900100500,,95,17.10,,sk\n\
                   +421900100600,,,,Nowhere,sk\n\
                   ,,48.15,17.10,,sk\n\
                   +421900100700,,48.15,17.10,,\n";

async fn import(backend: Backend) {
    let Some(cli) = Cli::new(backend).await else { return };
    assert!(cli.run(&["migrate"], None).status.success());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("residents.csv");
    std::fs::write(&file, format!("{GOOD}{BAD}")).unwrap();
    let file = file.to_str().unwrap();

    let o = cli.run(&["residents", "import", file], None);
    let text = out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    for expected in [
        "line 5: phone: must be a phone number in E.164 form",
        "line 6: lat: must be a latitude from -90 to 90",
        "line 7: area: is not the name or id of a named area",
        "line 8: phone: give a phone number or an email address",
        "line 9: language: give 1 to 5 language tags",
        "nothing imported: 5 bad rows of 8",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    assert!(!text.contains("900 100 400") && !text.contains("900100500"), "no number printed: {text}");

    let o = cli.run(&["residents", "import", file, "--skip-bad-rows", "--dry-run"], None);
    assert!(o.status.success() && out(&o).contains("would import 4 subscriptions from 8 rows"), "{}", out(&o));
    let o = cli.run(&["residents", "import", file, "--skip-bad-rows"], None);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("imported 4 subscriptions from 8 rows; 0 duplicates skipped; 5 bad rows"), "{}", out(&o));

    std::fs::write(dir.path().join("again.csv"), GOOD).unwrap();
    let o = cli.run(&["residents", "import", dir.path().join("again.csv").to_str().unwrap()], None);
    let text = out(&o);
    assert!(o.status.success() && text.contains("imported 0 subscriptions from 3 rows; 4 duplicates"), "{text}");
    assert!(text.contains("line 2: +42190•••••00: already subscribed, skipped"), "{text}");
    assert!(text.contains("line 3: e•••@levice.example: already subscribed"), "{text}");
    assert!(!text.contains("eva@") && !text.contains("100200"), "{text}");

    let geo = dir.path().join("areas.geojson");
    std::fs::write(&geo, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Old Town"},"geometry":{"type":"Polygon","coordinates":[[[17.0,48.1],[17.2,48.1],[17.2,48.2],[17.0,48.2],[17.0,48.1]]]}}]}"#).unwrap();
    assert!(cli.run(&["area", "import", geo.to_str().unwrap()], None).status.success());
    let by_area = dir.path().join("areas.csv");
    std::fs::write(&by_area, "Email,Area,Language\nano@levice.example,old town,sk\nbea@levice.example,1,en\n").unwrap();
    let o = cli.run(&["residents", "import", by_area.to_str().unwrap()], None);
    assert!(o.status.success() && out(&o).contains("imported 2 subscriptions"), "areas by name or id: {}", out(&o));

    let o = cli.run(&["audit", "verify"], None);
    assert!(o.status.success(), "{}", out(&o));
    std::fs::write(dir.path().join("odd.csv"), "phone,colour\n+421900100800,red\n").unwrap();
    let o = cli.run(&["residents", "import", dir.path().join("odd.csv").to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("line 1: unknown column \"colour\""), "{}", out(&o));
}

#[tokio::test]
async fn residents_import_on_sqlite() {
    import(Backend::Sqlite).await;
}

#[tokio::test]
async fn residents_import_on_postgres() {
    import(Backend::Postgres).await;
}
