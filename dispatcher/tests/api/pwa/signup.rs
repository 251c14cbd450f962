//! The sign-up form in the browser: its four interface languages, the checks it makes before
//! sending (shown next to each field), the request it sends to the residents' API, keyboard
//! use, accessible names, and text enlarged to 200 %.

use std::time::Duration;

use serde_json::{Value, json};

use super::phone::{self, Phone};

/// Every interactive control Chromium's accessibility tree shows, with its role and name.
async fn controls(p: &Phone) -> Vec<(String, String)> {
    let tree = p.browser.cdp("Accessibility.getFullAXTree", json!({})).await;
    let roles = ["textbox", "combobox", "button", "checkbox", "radio", "link", "spinbutton"];
    tree["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["ignored"] != true)
        .filter_map(|n| {
            let role = n["role"]["value"].as_str()?;
            roles.contains(&role).then(|| (role.to_owned(), n["name"]["value"].as_str().unwrap_or("").to_owned()))
        })
        .collect()
}

/// Tabs through the page from the skip link and gives the ids (or text) of what took the
/// focus, once round.
async fn tab_order(p: &Phone) -> Vec<String> {
    p.browser.execute("document.querySelector('.skip').focus(); return true;", json!([])).await;
    let mut seen = vec!["skip".to_owned()];
    for _ in 0..120 {
        p.browser.press("\u{E004}").await;
        let who = "const e = document.activeElement; return e === document.body ? '' : \
                   (e.id || e.tagName + [...document.querySelectorAll('*')].indexOf(e) + ' ' + e.textContent.trim());";
        let id = p.browser.execute(who, json!([])).await.as_str().unwrap_or("").to_owned();
        if id.is_empty() || seen.contains(&id) {
            break;
        }
        seen.push(id);
    }
    seen
}

#[tokio::test]
async fn the_form_speaks_four_languages_checks_its_fields_and_is_usable_by_keyboard() {
    let Some(p) = phone::start().await else { return };
    p.open("/").await;
    let b = &p.browser;
    for (lang, legend, submit) in [
        ("sk", "Ako", "Prihlásiť sa"),
        ("pl", "Jak", "Subskrybuj"),
        ("uk", "Як", "Підписатися"),
        ("en", "How", "Subscribe"),
    ] {
        p.language(lang).await;
        assert_eq!(b.text("#channel-field legend").await, legend, "{lang}");
        assert_eq!(b.text("#signup-submit").await, submit, "{lang}");
        b.execute("document.getElementById('subscribe').scrollIntoView(); return true;", json!([])).await;
        p.shot(&format!("signup-{lang}")).await;
    }

    // Nothing chosen, a number without the country code: the form says so next to each field.
    b.click("#channel-sms").await;
    b.type_into("#address", "0900 123 456").await;
    b.click("#signup-submit").await;
    assert_eq!(
        b.text("#address-error").await,
        "Enter a phone number with the country code, for example +421 900 123 456."
    );
    assert_eq!(
        b.execute("return document.getElementById('address').getAttribute('aria-invalid');", json!([])).await,
        "true"
    );
    assert_eq!(b.text("#places-error").await, "Choose at least one place (at most 10).");
    assert_eq!(
        b.execute("return document.activeElement.id;", json!([])).await,
        "address",
        "focus on the first problem"
    );
    p.shot("signup-errors-en").await;
    p.check_contrast("the form with its errors").await;
    p.language("sk").await;
    b.click("#signup-submit").await;
    assert!(b.text("#address-error").await.starts_with("Zadajte telefónne číslo"), "errors in the chosen language");
    p.language("en").await;

    // Places: a named area and a point picked on the map, then languages in order.
    b.execute("const s = document.getElementById('area-select'); s.value = [...s.options].find(o => o.text === 'Petržalka').value; return true;", json!([])).await;
    b.click("#add-area").await;
    b.click("#point-picker summary").await;
    b.click("#point-map svg").await;
    let lat = b.execute("return parseFloat(document.getElementById('point-lat').value);", json!([])).await;
    assert!(lat.as_f64().is_some_and(|l| (48.05..48.25).contains(&l)), "the map's middle is in the town: {lat}");
    b.click("#add-point").await;
    assert_eq!(b.execute("return document.querySelectorAll('#place-list li').length;", json!([])).await, 2);
    b.execute("document.getElementById('language-add').value = 'uk'; return true;", json!([])).await;
    b.click("#add-language").await;
    b.click("#language-list li:nth-child(2) button:first-of-type").await;
    let langs =
        b.execute("return [...document.querySelectorAll('#language-list li')].map(l => l.lang);", json!([])).await;
    assert_eq!(langs, json!(["uk", "en"]), "Ukrainian moved up");
    b.execute("document.getElementById('min-severity').value = 'Severe'; return true;", json!([])).await;
    b.click("#tests").await;
    sends_the_contract(&p).await;
    accessible(&p).await;
}

/// Records the page's requests to the residents' API in `window.__sent`, and still sends them.
async fn spy_on_residents(p: &Phone) {
    let spy = "window.__sent = []; const real = window.fetch; window.fetch = (url, init) => { \
               if (String(url).includes('/residents/')) window.__sent.push({ url: String(url), init }); \
               return real(url, init); }; return true;";
    p.browser.execute(spy, json!([])).await;
}

/// Waits for the first request to the residents' API and gives its JSON body.
async fn first_request(p: &Phone) -> Value {
    let first = "return window.__sent.length && window.__sent[0];";
    let sent = p.browser.wait_for("the request", first, Duration::from_secs(10)).await;
    assert_eq!(sent["url"], "/api/v1/residents/subscriptions");
    assert_eq!(sent["init"]["method"], "POST");
    serde_json::from_str(sent["init"]["body"].as_str().unwrap()).unwrap()
}

/// What the page says after sending: the code form for SMS and email, "done" for push, or
/// (while the residents' API is not on this branch) that sign-up is not available. Gives
/// whether the API answered.
async fn answered(p: &Phone, expected: &str) -> bool {
    let said = "const s = document.getElementById('signup-error').textContent; \
                const v = !document.getElementById('verify').hidden; \
                return s || (v ? 'verify' : document.getElementById('signup-status').textContent);";
    let said = p.browser.wait_for("the answer", said, Duration::from_secs(10)).await;
    if said == "Sign-up is not available on this server yet." {
        println!("PENDING: the residents' API is not on this branch; sign-up end to end is not tested here");
        false
    } else {
        assert_eq!(said, expected);
        true
    }
}

#[tokio::test]
async fn push_sign_up_subscribes_the_browser_with_the_servers_vapid_key() {
    let Some(p) = phone::start().await else { return };
    p.open("/").await;
    p.wait_worker().await;
    let b = &p.browser;
    b.cdp("Browser.grantPermissions", json!({ "origin": p.proxy.url, "permissions": ["notifications"] })).await;
    // pushManager.subscribe never completes without the browser vendor's push service: the
    // page's PushManager hands back a subscription as a browser would, and keeps the key.
    let fake = "window.__key = null; PushManager.prototype.getSubscription = () => Promise.resolve(null); \
                PushManager.prototype.subscribe = (o) => { \
                  window.__key = Array.from(new Uint8Array(o.applicationServerKey)); \
                  return Promise.resolve({ toJSON: () => ({ endpoint: 'http://127.0.0.1:9/push/abc', \
                    expirationTime: null, keys: { p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u\
                    -Ts1XbjhazAkj7I99e8QcYP7DkM', auth: 'tBHItJI5svbpez7KI4CCXg' } }) }); }; return true;";
    b.execute(fake, json!([])).await;
    spy_on_residents(&p).await;
    b.click("#add-area").await;
    b.click("#signup-submit").await;
    let body = first_request(&p).await;
    assert_eq!(body["channel"], "push");
    assert!(body.get("address").is_none(), "{body}");
    assert_eq!(body["subscription"]["endpoint"], "http://127.0.0.1:9/push/abc");
    assert_eq!(body["subscription"]["keys"]["auth"], "tBHItJI5svbpez7KI4CCXg");
    assert_eq!(body["languages"], json!(["en"]), "the interface's language until the resident chooses");
    let config = p.app.get("/api/v1/public/config", crate::support::Auth::None).await.json();
    use base64::Engine as _;
    let key =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(config["vapidPublicKey"].as_str().unwrap()).unwrap();
    assert_eq!(b.execute("return window.__key;", json!([])).await, json!(key), "subscribed with the server's key");
    if answered(&p, "Done: you will get warnings.").await {
        change_and_delete(&p).await;
    }
}

/// With the residents' API: the subscription is listed, changed (its choices read back into
/// the form) and deleted.
async fn change_and_delete(p: &Phone) {
    let b = &p.browser;
    let listed = "return document.querySelector('#subscription-list li span').textContent;";
    assert_eq!(b.execute(listed, json!([])).await, "Notifications on this phone · active");
    b.click("#subscription-list li button:nth-of-type(1)").await;
    let editing = "return document.getElementById('signup-submit').textContent === 'Save changes' \
                   && document.querySelectorAll('#place-list li').length === 1;";
    b.wait_for("the form with the subscription's choices", editing, Duration::from_secs(10)).await;
    b.execute("document.getElementById('min-severity').value = 'Extreme'; return true;", json!([])).await;
    b.click("#signup-submit").await;
    let saved = "return document.getElementById('signup-status').textContent === 'Your changes are saved.';";
    b.wait_for("the changes saved", saved, Duration::from_secs(10)).await;
    let put = "return window.__sent.find(r => r.init && r.init.method === 'PUT');";
    let put = b.execute(put, json!([])).await;
    let body: Value = serde_json::from_str(put["init"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["min_severity"], "Extreme");
    assert!(body.get("channel").is_none(), "a change sends only the choices: {body}");
    b.click("#subscription-list li button:nth-of-type(2)").await;
    let gone = "return document.getElementById('my-subscriptions').hidden \
                && document.getElementById('signup-status').textContent;";
    let said = b.wait_for("the subscription deleted", gone, Duration::from_secs(10)).await;
    assert_eq!(said, "Deleted: you will get no more warnings there.");
    p.shot("signup-deleted-en").await;
}

/// The request the form sends, as the residents' API expects it; what the page says when the
/// API is not there (the residents' API lands separately).
async fn sends_the_contract(p: &Phone) {
    let b = &p.browser;
    spy_on_residents(p).await;
    b.execute("document.getElementById('address').value = ''; return true;", json!([])).await;
    b.type_into("#address", "+421 900 123 456").await;
    b.click("#signup-submit").await;
    let body = first_request(p).await;
    assert_eq!(body["channel"], "sms");
    assert_eq!(body["address"], "+421900123456");
    assert_eq!(body["languages"], json!(["uk", "en"]));
    let prefs = (body["min_severity"].as_str(), body["exercises"].as_bool(), body["tests"].as_bool());
    assert_eq!(prefs, (Some("Severe"), Some(true), Some(true)), "exercises are in by default");
    let places = body["places"].as_array().unwrap();
    assert!(places[0]["area"].as_i64().is_some() && places[1]["lat"].as_f64().is_some(), "{body}");
    if answered(p, "verify").await {
        wrong_code(p).await;
    }
    p.shot("signup-sent-en").await;
}

/// With the residents' API: a wrong code is refused next to the code field, and the code the
/// SMS gateway received makes the subscription active.
async fn wrong_code(p: &Phone) {
    let b = &p.browser;
    assert!(b.text("#verify-intro").await.contains("+421900123456"));
    b.type_into("#verify-code", "000000").await;
    b.click("#verify-submit").await;
    let error = "return document.getElementById('verify-error').textContent;";
    let said = b.wait_for("the refused code", error, Duration::from_secs(10)).await;
    println!("a wrong code: {said}");
    p.shot("signup-wrong-code-en").await;
    let listed = "return document.querySelector('#subscription-list li span').textContent;";
    assert_eq!(b.execute(listed, json!([])).await, "+421900123456 · waiting for the code");
    let code = sms_code(p).await;
    b.execute("document.getElementById('verify-code').value = ''; return true;", json!([])).await;
    b.type_into("#verify-code", &code).await;
    b.click("#verify-submit").await;
    let done =
        "return document.getElementById('verify').hidden && document.getElementById('signup-status').textContent;";
    let said = b.wait_for("the confirmed code", done, Duration::from_secs(10)).await;
    assert_eq!(said, "Done: you will get warnings.");
    assert_eq!(b.execute(listed, json!([])).await, "+421900123456 · active");
}

/// The six-digit code in the first SMS the gateway received.
async fn sms_code(p: &Phone) -> String {
    for _ in 0..100 {
        let texts: Vec<String> =
            p.sms.received().iter().map(|r| String::from_utf8_lossy(&r.body).into_owned()).collect();
        let code = texts.iter().flat_map(|t| t.split(|c: char| !c.is_ascii_digit())).find(|d| d.len() == 6);
        if let Some(code) = code {
            return code.to_owned();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no code reached the SMS gateway: {:?}", p.sms.received().len());
}

/// Every control has a name, the keyboard reaches every control, and text at 200 % reflows.
async fn accessible(p: &Phone) {
    let b = &p.browser;
    let unnamed: Vec<_> = controls(p).await.into_iter().filter(|(_, name)| name.trim().is_empty()).collect();
    assert!(unnamed.is_empty(), "controls without an accessible name: {unnamed:?}");
    let order = tab_order(p).await;
    for id in [
        "ui-lang",
        "channel-sms",
        "address",
        "add-location",
        "area-select",
        "add-area",
        "point-lat",
        "add-point",
        "language-add",
        "min-severity",
        "exercises",
        "tests",
        "signup-submit",
    ] {
        assert!(order.iter().any(|o| o == id), "Tab never reaches #{id}: {order:?}");
    }
    let wide = "document.documentElement.style.fontSize = '200%'; \
                return new Promise(r => requestAnimationFrame(() => r([...document.querySelectorAll('body *')]\
                .filter(e => e.getBoundingClientRect().right > innerWidth + 1).map(e => e.id || e.tagName))));";
    let wide = b.execute(wide, json!([])).await;
    assert_eq!(wide, json!([]), "no sideways scrolling with text at 200 %");
    b.execute("document.getElementById('signup').scrollIntoView(); return true;", json!([])).await;
    p.shot("signup-text-200-en").await;
}
