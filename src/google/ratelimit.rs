//! Quota-aware rate limiting: a token bucket of Google quota units per (account, API), refilled
//! continuously at the per-user rate, plus a cap on requests in flight per account.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    Gmail,
    Calendar,
    Tasks,
    OAuth2,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RateLimits {
    /// Gmail: 250 quota units per second per user.
    pub gmail_units_per_sec: f64,
    /// Calendar and Tasks count requests, not units: each call costs 1.
    pub calendar_per_sec: f64,
    pub tasks_per_sec: f64,
    pub max_in_flight_per_account: usize,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            gmail_units_per_sec: 250.0,
            calendar_per_sec: 10.0,
            tasks_per_sec: 10.0,
            max_in_flight_per_account: 8,
        }
    }
}

impl RateLimits {
    fn rate(&self, api: Api) -> Option<f64> {
        match api {
            Api::Gmail => Some(self.gmail_units_per_sec),
            Api::Calendar => Some(self.calendar_per_sec),
            Api::Tasks => Some(self.tasks_per_sec),
            Api::OAuth2 => None,
        }
    }
}

struct Bucket {
    tokens: f64,
    capacity: f64,
    rate: f64,
    last: Instant,
}

impl Bucket {
    fn refill(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + dt * self.rate).min(self.capacity);
        self.last = now;
    }
}

pub struct RateLimiter {
    limits: RateLimits,
    buckets: Mutex<HashMap<(String, Api), Bucket>>,
    in_flight: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// Held for the duration of one request.
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        RateLimiter {
            limits,
            buckets: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    pub fn limits(&self) -> &RateLimits {
        &self.limits
    }

    /// Waits until `cost` units are available for (account, api) and a request slot is free.
    pub async fn acquire(&self, account: &str, api: Api, cost: u32) -> Slot {
        if let Some(rate) = self.limits.rate(api) {
            // A single call costing more than a second's budget still goes, once the bucket is full.
            let cost = (cost as f64).min(rate);
            loop {
                let wait = {
                    let mut buckets = self.buckets.lock().expect("limiter lock");
                    let now = Instant::now();
                    let b = buckets.entry((account.to_string(), api)).or_insert(Bucket {
                        tokens: rate,
                        capacity: rate,
                        rate,
                        last: now,
                    });
                    b.refill(now);
                    if b.tokens >= cost {
                        b.tokens -= cost;
                        None
                    } else {
                        Some(Duration::from_secs_f64((cost - b.tokens) / b.rate))
                    }
                };
                match wait {
                    None => break,
                    Some(d) => tokio::time::sleep(d).await,
                }
            }
        }
        let sem = {
            let mut map = self.in_flight.lock().expect("limiter lock");
            map.entry(account.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.limits.max_in_flight_per_account)))
                .clone()
        };
        let permit = sem.acquire_owned().await.expect("semaphore never closed");
        Slot { _permit: permit }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn gmail_units_are_spent_at_250_per_second() {
        let rl = RateLimiter::new(RateLimits::default());
        let start = Instant::now();
        // 150 messages.get at 5 units = 750 units: a 250-unit burst, then 500 more at 250/s.
        for _ in 0..150 {
            let _s = rl.acquire("a", Api::Gmail, 5).await;
        }
        let took = start.elapsed().as_secs_f64();
        assert!((1.95..2.1).contains(&took), "took {took}");
        // Another account has its own bucket.
        let t = Instant::now();
        let _s = rl.acquire("b", Api::Gmail, 100).await;
        assert!(t.elapsed() < Duration::from_millis(1));
    }

    #[tokio::test(start_paused = true)]
    async fn in_flight_requests_are_capped_per_account() {
        let rl = Arc::new(RateLimiter::new(RateLimits {
            max_in_flight_per_account: 2,
            ..RateLimits::default()
        }));
        let a = rl.acquire("a", Api::OAuth2, 0).await;
        let _b = rl.acquire("a", Api::OAuth2, 0).await;
        let rl2 = rl.clone();
        let third = tokio::spawn(async move { rl2.acquire("a", Api::OAuth2, 0).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!third.is_finished());
        drop(a);
        tokio::time::timeout(Duration::from_secs(1), third)
            .await
            .unwrap()
            .unwrap();
    }
}
