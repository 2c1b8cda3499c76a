//! Running one AWS operation over many names with a bounded number in
//! flight, stopping early when Terraform asks the provider to stop.

use std::future::Future;

use futures::stream::{self, StreamExt};

use crate::tf::stop::StopSignal;

/// How many calls of one resource run at once. Secrets Manager's write
/// quotas are 50 requests/s per operation; this keeps enough in flight to
/// reach them over a network round trip without queuing thousands at once.
pub const MAX_IN_FLIGHT: usize = 16;

/// The outcome for one item.
pub enum Outcome<T, E> {
    Done(T),
    Failed(E),
    /// Not started because a stop was requested first.
    Skipped,
}

/// Runs `operation` for every item, at most [`MAX_IN_FLIGHT`] at a time,
/// and returns each item with its outcome. Once `stop` is raised no new
/// operation starts; those already running end on their own (the AWS
/// client gives a request in flight a short grace, then reports it as
/// abandoned), so every item's outcome is known or reported as uncertain.
pub async fn run_all<I, T, E, F, Fut>(
    items: Vec<I>,
    stop: &StopSignal,
    operation: F,
) -> Vec<(I, Outcome<T, E>)>
where
    I: Clone,
    F: Fn(I) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    stream::iter(items)
        .map(|item| {
            let started = !stop.is_stopped();
            let future = started.then(|| operation(item.clone()));
            async move {
                let outcome = match future {
                    Some(future) => match future.await {
                        Ok(value) => Outcome::Done(value),
                        Err(error) => Outcome::Failed(error),
                    },
                    None => Outcome::Skipped,
                };
                (item, outcome)
            }
        })
        .buffer_unordered(MAX_IN_FLIGHT)
        .collect()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tf::stop::StopSource;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn every_item_gets_its_outcome() {
        let items: Vec<u32> = (0..100).collect();
        let results = run_all(items, &StopSignal::never(), |n| async move {
            if n % 10 == 0 {
                Err(n)
            } else {
                Ok(n * 2)
            }
        })
        .await;
        assert_eq!(results.len(), 100);
        for (n, outcome) in results {
            match outcome {
                Outcome::Done(v) => assert_eq!(v, n * 2),
                Outcome::Failed(e) => assert_eq!(e % 10, 0),
                Outcome::Skipped => panic!("nothing was stopped"),
            }
        }
    }

    #[tokio::test]
    async fn in_flight_is_bounded() {
        let current = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        run_all(
            (0..64).collect::<Vec<u32>>(),
            &StopSignal::never(),
            |_| async {
                let now = current.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::task::yield_now().await;
                current.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, ()>(())
            },
        )
        .await;
        assert!(peak.load(Ordering::SeqCst) <= MAX_IN_FLIGHT);
        assert!(peak.load(Ordering::SeqCst) > 1, "calls should overlap");
    }

    #[tokio::test]
    async fn stop_skips_what_has_not_started() {
        let source = StopSource::new();
        source.stop();
        let results = run_all(vec![1, 2, 3], &source.signal(), |n| async move {
            Ok::<_, ()>(n)
        })
        .await;
        assert!(results.iter().all(|(_, o)| matches!(o, Outcome::Skipped)));
    }
}
