//! A sleep that works on every target (tokio in-process, browser timers in the wasm client).

pub async fn sleep_ms(ms: u64) {
    #[cfg(feature = "server")]
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    #[cfg(all(feature = "web", not(feature = "server")))]
    gloo_timers::future::TimeoutFuture::new(ms.min(u64::from(u32::MAX)) as u32).await;
}
