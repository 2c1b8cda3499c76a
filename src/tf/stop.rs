//! The StopProvider signal: Terraform asks a provider to abandon in-flight
//! work (after Ctrl-C); long operations watch this and wind down.

use tokio::sync::watch;

/// Raises the stop signal once; every [`StopSignal`] sees it.
#[derive(Debug)]
pub struct StopSource(watch::Sender<bool>);

/// A cheap, cloneable view of whether a stop was requested.
#[derive(Clone, Debug)]
pub struct StopSignal(watch::Receiver<bool>);

impl StopSource {
    pub fn new() -> Self {
        Self(watch::channel(false).0)
    }

    pub fn stop(&self) {
        self.0.send_replace(true);
    }

    pub fn signal(&self) -> StopSignal {
        StopSignal(self.0.subscribe())
    }
}

impl Default for StopSource {
    fn default() -> Self {
        Self::new()
    }
}

impl StopSignal {
    /// A signal that is never raised, for callers outside a server.
    pub fn never() -> Self {
        // With the sender gone, `stopped` waits forever and nothing is leaked.
        Self(watch::channel(false).1)
    }

    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once a stop is requested.
    pub async fn stopped(&self) {
        let mut receiver = self.0.clone();
        // An error means the source is gone: nobody can stop us any more.
        if receiver.wait_for(|stopped| *stopped).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stop_reaches_every_signal() {
        let source = StopSource::new();
        let a = source.signal();
        let b = a.clone();
        assert!(!a.is_stopped());
        let waiter = tokio::spawn(async move { b.stopped().await });
        source.stop();
        waiter.await.unwrap();
        assert!(a.is_stopped());
    }
}
