//! Limits on what one device secret or one network may hold or try on the device protocol,
//! kept per instance: long polls per device, and pairing tries per network.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::error::Error;
use super::network::Network;

/// Long polls one device may hold waiting at once (per instance). A device needs one; two
/// leave room for a reconnect that overlaps the poll it replaces. Without a limit, one
/// display's secret held 300 requests (and their tasks) open.
pub const POLLS_PER_DEVICE: usize = 2;

/// Pairing tries per client network per minute. A code is 8 characters of 32 (2^40), so this
/// keeps guessing hopeless, and a refused try costs no write transaction.
pub const PAIR_TRIES_PER_MINUTE: u32 = 10;

/// The instance's device-protocol limits.
#[derive(Debug, Default)]
pub struct DeviceLimits {
    waiting: Arc<Mutex<HashMap<i64, usize>>>,
    pair_tries: Mutex<HashMap<Network, (u32, Instant)>>,
}

/// A long poll's place among its device's; given back when dropped.
#[derive(Debug)]
pub struct Waiting(Arc<Mutex<HashMap<i64, usize>>>, i64);

impl Waiting {
    /// Takes a place for a long poll of `device`, or refuses when it holds enough.
    pub fn take(limits: &DeviceLimits, device: i64) -> Result<Waiting, Error> {
        let mut w = limits.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        let n = w.entry(device).or_default();
        if *n >= POLLS_PER_DEVICE {
            return Err(Error::TooMany {
                what: format!("this device already has {POLLS_PER_DEVICE} polls waiting"),
                retry_after_s: 5,
            });
        }
        *n += 1;
        Ok(Waiting(limits.waiting.clone(), device))
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let mut w = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = w.get_mut(&self.1) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                w.remove(&self.1);
            }
        }
    }
}

impl DeviceLimits {
    /// Counts a pairing try from `address`'s network, or refuses it over the limit.
    pub fn pair_try(&self, address: &str) -> Result<(), Error> {
        let network = Network::of(address);
        let now = Instant::now();
        let minute = Duration::from_secs(60);
        let mut tries = self.pair_tries.lock().unwrap_or_else(PoisonError::into_inner);
        if tries.len() > 10_000 {
            tries.retain(|_, (_, since)| now.duration_since(*since) < minute);
        }
        let (n, since) = tries.entry(network).or_insert((0, now));
        if now.duration_since(*since) >= minute {
            (*n, *since) = (0, now);
        }
        if *n >= PAIR_TRIES_PER_MINUTE {
            let left = minute.saturating_sub(now.duration_since(*since));
            return Err(Error::TooMany {
                what: "too many pairing tries from this network".into(),
                retry_after_s: left.as_secs().max(1),
            });
        }
        *n += 1;
        Ok(())
    }
}
