//! Ephemeral P-256 keys for RFC 8291, made while the channel is idle so that a fan-out spends
//! its CPU on the ECDH with each subscriber, not on making keys. Each key is used for one
//! message only and never after `max_age`; the pool only moves key generation off the critical
//! path, it never reuses a key.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use ring::agreement::{ECDH_P256, EphemeralPrivateKey};
use ring::rand::SystemRandom;

use super::PushError;

/// How long nobody must have taken a key before the pool is refilled: a refill competes for
/// the CPU with the fan-out that drains it, so it waits for the fan-out to end.
const QUIET: Duration = Duration::from_millis(500);
/// Keys made between two looks at whether a fan-out has started.
const BATCH: usize = 256;

/// A fresh ephemeral key pair: the private key (consumed by the one ECDH it is for) and its
/// uncompressed public key, which goes into the message header.
pub struct EphemeralKey {
    /// The private half.
    pub private: EphemeralPrivateKey,
    /// The public half, uncompressed (65 bytes).
    pub public: [u8; 65],
}

impl EphemeralKey {
    /// A new key pair from the system's random source.
    pub fn generate(rng: &SystemRandom) -> Result<EphemeralKey, PushError> {
        let private = EphemeralPrivateKey::generate(&ECDH_P256, rng).map_err(|_| PushError::Random)?;
        let computed = private.compute_public_key().map_err(|_| PushError::Encryption)?;
        let public = computed.as_ref().try_into().map_err(|_| PushError::Encryption)?;
        Ok(EphemeralKey { private, public })
    }
}

/// Keys made ahead, oldest first, with a thread that refills the pool when the channel is idle
/// and drops keys older than `max_age`. The thread ends when the pool is dropped.
pub struct KeyPool {
    shared: Arc<Shared>,
}

struct Shared {
    keys: Mutex<VecDeque<(EphemeralKey, Instant)>>,
    capacity: usize,
    max_age: Duration,
    rng: SystemRandom,
    /// When a key was last taken, in milliseconds since `epoch`.
    last_take: AtomicU64,
    epoch: Instant,
    stop: AtomicBool,
    wake: Condvar,
}

impl KeyPool {
    /// A pool of up to `capacity` keys, each kept at most `max_age`. With a capacity of 0 no
    /// thread is started and every key is made when it is needed.
    pub fn new(capacity: usize, max_age: Duration) -> KeyPool {
        let shared = Arc::new(Shared {
            keys: Mutex::new(VecDeque::with_capacity(capacity)),
            capacity,
            max_age,
            rng: SystemRandom::new(),
            last_take: AtomicU64::new(0),
            epoch: Instant::now(),
            stop: AtomicBool::new(false),
            wake: Condvar::new(),
        });
        if capacity > 0 {
            let for_thread = Arc::clone(&shared);
            // A failure to start the thread leaves a pool that makes every key on demand.
            let _ = std::thread::Builder::new().name("push-keys".into()).spawn(move || refill(&for_thread));
        }
        KeyPool { shared }
    }

    /// A key never used before: the oldest one made ahead that is still young enough, else a
    /// new one.
    pub fn take(&self) -> Result<EphemeralKey, PushError> {
        let s = &self.shared;
        s.last_take.store(s.epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
        if let Ok(mut keys) = s.keys.lock() {
            while let Some((key, made)) = keys.pop_front() {
                if made.elapsed() < s.max_age {
                    return Ok(key);
                }
            }
        }
        EphemeralKey::generate(&s.rng)
    }

    /// Keys ready now.
    pub fn ready(&self) -> usize {
        self.shared.keys.lock().map_or(0, |k| k.len())
    }
}

impl Drop for KeyPool {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.shared.wake.notify_all();
    }
}

/// The refill thread: every half second while nobody is taking keys, drop the old ones and
/// make new ones up to the capacity, a batch at a time.
fn refill(s: &Shared) {
    let Ok(mut guard) = s.keys.lock() else { return };
    loop {
        let Ok((g, _)) = s.wake.wait_timeout(guard, QUIET) else { return };
        guard = g;
        if s.stop.load(Ordering::Relaxed) {
            return;
        }
        while guard.front().is_some_and(|(_, made)| made.elapsed() >= s.max_age) {
            guard.pop_front();
        }
        while guard.len() < s.capacity && s.quiet() && !s.stop.load(Ordering::Relaxed) {
            let want = BATCH.min(s.capacity - guard.len());
            drop(guard);
            let batch: Vec<_> = (0..want).filter_map(|_| EphemeralKey::generate(&s.rng).ok()).collect();
            guard = match s.keys.lock() {
                Ok(g) => g,
                Err(_) => return,
            };
            let now = Instant::now();
            guard.extend(batch.into_iter().map(|k| (k, now)));
        }
    }
}

impl Shared {
    fn quiet(&self) -> bool {
        let last = Duration::from_millis(self.last_take.load(Ordering::Relaxed));
        self.epoch.elapsed().saturating_sub(last) >= QUIET
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait_for(pool: &KeyPool, n: usize) {
        let until = Instant::now() + Duration::from_secs(20);
        while pool.ready() < n {
            assert!(Instant::now() < until, "the pool holds {} keys, not {n}", pool.ready());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn the_pool_fills_while_idle_and_never_gives_a_key_twice() {
        let pool = KeyPool::new(300, Duration::from_secs(3600));
        wait_for(&pool, 300);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..400 {
            assert!(seen.insert(pool.take().map(|k| k.public).unwrap_or([0; 65])), "a key came twice");
        }
        assert!(!seen.contains(&[0u8; 65]));
        // Taken keys are gone; after a quiet moment the pool fills again.
        assert!(pool.ready() < 300);
        wait_for(&pool, 300);
    }

    #[test]
    fn old_keys_are_thrown_away_not_used() {
        // No refill thread (capacity 0), so only `take` can keep an old key from being used.
        let pool = KeyPool::new(0, Duration::from_millis(900));
        let rng = SystemRandom::new();
        let made = Instant::now().checked_sub(Duration::from_secs(2)).unwrap_or_else(Instant::now);
        let first: Vec<[u8; 65]> = (0..3)
            .map(|_| {
                let k = EphemeralKey::generate(&rng).unwrap();
                let public = k.public;
                pool.shared.keys.lock().unwrap().push_back((k, made));
                public
            })
            .collect();
        let key = pool.take().map(|k| k.public).unwrap_or([0; 65]);
        assert!(!first.contains(&key), "a key older than max_age was used");
        assert_eq!(pool.ready(), 0, "the old keys were thrown away");
    }

    #[test]
    fn without_a_capacity_keys_are_made_on_demand() {
        let pool = KeyPool::new(0, Duration::from_secs(60));
        let (a, b) = (pool.take().map(|k| k.public), pool.take().map(|k| k.public));
        assert!(a.is_ok() && b.is_ok() && a.ok() != b.ok());
        assert_eq!(pool.ready(), 0);
    }
}
