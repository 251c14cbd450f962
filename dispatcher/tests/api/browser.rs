//! What the browser tests share: our own small WebDriver client driving Debian's headless
//! Chromium through chromedriver (with Chrome DevTools Protocol commands), and a loopback proxy
//! that can cut the test server off.

pub mod a11y;
pub mod proxy;
pub mod webdriver;
