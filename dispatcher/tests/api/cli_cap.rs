//! The `tocsin validate` and `tocsin cap-convert` commands, run as a user runs them.

use std::path::PathBuf;
use std::process::{Command, Output};

const ALERT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1">
  <identifier>TOCSIN-1</identifier>
  <sender>ops@example.org</sender>
  <sent>2026-11-23T10:00:00Z</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Met</category>
    <event>Flood</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <area><areaDesc>Town</areaDesc><polygon>48.1,17.0 48.2,17.0 48.2,17.2 48.1,17.0</polygon></area>
  </info>
</alert>
"#;

fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn tocsin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tocsin")).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn validate_exits_by_errors_not_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let v12 = ALERT.replace("cap:1.1", "cap:1.2").replace("10:00:00Z", "10:00:00-00:00");
    let good = file(&dir, "good.xml", &v12);
    let warned = file(&dir, "warned.xml", &v12.replace("<info>", "<addresses/><info>"));
    let bad = file(&dir, "bad.xml", &v12.replace("10:00:00-00:00", "10:00:00Z"));
    let o = tocsin(&["validate", good.to_str().unwrap(), warned.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("warning CAP-S009 /alert/addresses"), "{}", stdout(&o));
    let o = tocsin(&["validate", good.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("good.xml: valid"), "{out}");
    assert!(out.contains("error CAP-T002 /alert/sent (line 5, column 3)"), "{out}");
}

#[test]
fn validate_speaks_json() {
    let dir = tempfile::tempdir().unwrap();
    let bad = file(&dir, "bad.xml", &ALERT.replace("cap:1.1", "cap:1.2"));
    let o = tocsin(&["validate", "--json", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = &v[0]["report"]["findings"][0];
    assert_eq!(v[0]["ok"], false);
    assert_eq!(
        (f["code"].as_str(), f["severity"].as_str(), f["path"].as_str()),
        (Some("CAP-T002"), Some("error"), Some("/alert/sent"))
    );
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(5), Some(3)));
    assert!(v[0]["report"].get("alert").is_none(), "strict mode gives no model for an invalid alert");
    let o = tocsin(&["validate", "--json", "--lenient", bad.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["report"]["alert"]["identifier"], "TOCSIN-1", "lenient mode shows the model");
    assert_eq!(o.status.code(), Some(1), "errors still fail in lenient mode");
}

#[test]
fn profiles_apply_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let alert = file(&dir, "a.xml", ALERT);
    assert!(tocsin(&["validate", alert.to_str().unwrap()]).status.success(), "CAP 1.1 allows Z");
    let o = tocsin(&["validate", "--profile", "ipaws", alert.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("IPAWS-001"), "{}", stdout(&o));
    let o = tocsin(&["validate", "--profile", "tocsin", alert.to_str().unwrap()]);
    assert!(stdout(&o).contains("TOCSIN-002") && stdout(&o).contains("TOCSIN-003"), "{}", stdout(&o));
    let o = tocsin(&["validate", "--profile", "nope", alert.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("known: ipaws, cap-cp, cap-au, meteoalarm, tocsin"));
}

#[test]
fn validate_reads_index_feeds_too() {
    let dir = tempfile::tempdir().unwrap();
    let feed = format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>f</id><title>t</title><updated>2026-11-23T10:00:00Z</updated><entry><id>e</id><title>t</title><updated>2026-11-23T10:00:00Z</updated><content type=\"text/xml\">{}</content></entry></feed>",
        ALERT.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n").replace("TOCSIN-1", "TOCSIN 1")
    );
    let f = file(&dir, "index.atom", &feed);
    let o = tocsin(&["validate", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("CAP-I001 /feed/entry[1]/content/alert/identifier"), "{}", stdout(&o));
}

#[test]
fn cap_convert_upgrades_to_1_2() {
    let dir = tempfile::tempdir().unwrap();
    let alert = file(&dir, "a.xml", ALERT);
    let o = tocsin(&["cap-convert", alert.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert!(
        out.contains("urn:oasis:names:tc:emergency:cap:1.2") && out.contains("<sent>2026-11-23T10:00:00-00:00</sent>"),
        "{out}"
    );
    let notes = String::from_utf8_lossy(&o.stderr);
    assert!(notes.contains("CAP-U001") && notes.contains("CAP-U005"), "{notes}");
    let converted = file(&dir, "b.xml", &out);
    assert!(tocsin(&["validate", converted.to_str().unwrap()]).status.success());

    let broken =
        file(&dir, "c.xml", &ALERT.replace("<scope>Public</scope>", "<scope>Public</scope><references></references>"));
    assert_eq!(tocsin(&["cap-convert", broken.to_str().unwrap()]).status.code(), Some(1));
    assert!(tocsin(&["cap-convert", "--lenient", broken.to_str().unwrap()]).status.success());
}

/// The test keys of `cap-alerts` (made with `openssl req` for tests only).
fn test_key(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../cap/tests/keys").join(name)
}

#[test]
fn validate_verifies_signatures_when_given_trust() {
    let dir = tempfile::tempdir().unwrap();
    let key = cap_alerts::sign::SigningKey::from_pem(
        &std::fs::read(test_key("ec.key")).unwrap(),
        &std::fs::read(test_key("ec.pem")).unwrap(),
    )
    .unwrap();
    let signed = String::from_utf8(cap_alerts::sign::sign(ALERT.as_bytes(), &key).unwrap()).unwrap();
    let good = file(&dir, "signed.xml", &signed);
    let changed = file(&dir, "changed.xml", &signed.replace("Flood", "Fire"));
    let unsigned = file(&dir, "unsigned.xml", ALERT);
    let (ec, rsa) = (test_key("ec.pem"), test_key("rsa.pem"));
    let path = |p: &PathBuf| p.to_str().unwrap().to_owned();

    let o = tocsin(&["validate", "--trust", &path(&ec), &path(&good)]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("signature: verified, signed by O=Tocsin tests, CN=Tocsin test ECDSA signer"),
        "{}",
        stdout(&o)
    );
    for (file, trusted, reason) in
        [(&changed, &ec, "(digest-mismatch)"), (&unsigned, &ec, "(unsigned)"), (&good, &rsa, "(untrusted-certificate)")]
    {
        let o = tocsin(&["validate", "--trust", &path(trusted), &path(file)]);
        assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
        assert!(stdout(&o).contains(reason), "{reason}: {}", stdout(&o));
    }
    assert!(tocsin(&["validate", &path(&changed)]).status.success(), "without --trust, signatures are not checked");
    let o = tocsin(&["validate", "--json", "--trust", &path(&ec), &path(&good)]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json[0]["signature"]["algorithm"], "ecdsa-sha256", "{json}");
}
