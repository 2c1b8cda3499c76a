//! How the provider process ends: on Terraform's request or when Terraform
//! is gone; and what does not end it.
//!
//! - Interrupts are ignored (and logged): SIGINT and SIGTERM on Unix,
//!   Ctrl-C and Ctrl-Break on Windows. A Ctrl-C, or a CI system cancelling a
//!   job, reaches the whole process group (console), and Terraform then
//!   stops work through the StopProvider call and still needs the provider
//!   to answer, so that what was done is recorded in state. (Go providers
//!   ignore SIGINT but die on SIGTERM, losing the answer.) Terraform ends
//!   the provider itself once it is done with it.
//! - stdin is never read, so a host without stdin changes nothing.
//! - Terraform dying, even by SIGKILL, must not leave the provider behind:
//!   on Linux the kernel signals us when the parent goes (PR_SET_PDEATHSIG),
//!   and on every Unix a once-a-second look at the parent pid catches the
//!   rest. Windows has no parent pid to watch without its own API; there,
//!   as with Go providers, a provider whose Terraform was killed outright
//!   lives on (idle) until it is ended.

use std::sync::Arc;
#[cfg(unix)]
use std::time::Duration;

use futures::{Stream, StreamExt};
use tokio::sync::watch;

/// Why the provider is shutting down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Terraform called GRPCController/Shutdown.
    Controller,
    /// The process that started us has exited (only watched on Unix).
    #[cfg_attr(not(unix), allow(dead_code))]
    ParentGone,
}

/// A one-shot, cloneable shutdown switch; the first reason wins.
#[derive(Clone, Debug)]
pub struct Shutdown {
    state: Arc<watch::Sender<Option<Reason>>>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown {
            state: Arc::new(watch::Sender::new(None)),
        }
    }
}

impl Shutdown {
    /// Starts the shutdown, unless it already started.
    pub fn trigger(&self, reason: Reason) {
        self.state.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            tracing::debug!(?reason, "plugin shutting down");
            *current = Some(reason);
            true
        });
    }

    /// Resolves once the shutdown has started.
    pub async fn wait(&self) -> Reason {
        let mut rx = self.state.subscribe();
        let reason = match rx.wait_for(Option::is_some).await {
            Ok(reason) => *reason,
            // Unreachable: `self` keeps the sender alive.
            Err(_) => None,
        };
        reason.unwrap_or(Reason::Controller)
    }
}

/// The process that started us, as it was at startup.
#[derive(Clone, Copy, Debug)]
pub struct Parent {
    #[cfg(unix)]
    pid: libc::pid_t,
}

/// The signal the kernel sends us when our parent exits. Not SIGTERM: Linux
/// also sends it when just the parent *thread* that forked us exits (Go
/// threads can), so we check the parent pid before believing it.
#[cfg(target_os = "linux")]
const PARENT_DEATH_SIGNAL: libc::c_int = libc::SIGUSR1;

/// Asks the kernel (Linux) to tell us when our parent dies and notes who the
/// parent is, to compare against later. Call first thing, before any thread
/// starts.
pub fn arm_parent_death_signal() -> Parent {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_SET_PDEATHSIG takes a signal number; no memory involved.
        // If it fails we still have the parent-pid watch.
        unsafe {
            libc::prctl(
                libc::PR_SET_PDEATHSIG,
                PARENT_DEATH_SIGNAL as libc::c_ulong,
                0,
                0,
                0,
            );
        }
    }
    Parent {
        // SAFETY: getppid has no preconditions.
        #[cfg(unix)]
        pid: unsafe { libc::getppid() },
    }
}

#[cfg(unix)]
fn parent_changed(original: Parent) -> bool {
    // SAFETY: getppid has no preconditions.
    unsafe { libc::getppid() != original.pid }
}

/// Installs the interrupt handlers and the parent watch; they trigger
/// `shutdown` as described above. Must run inside the tokio runtime, and
/// before the handshake, when Terraform may start sending signals.
pub fn watch(shutdown: &Shutdown, parent: Parent) -> Result<(), String> {
    for (name, received) in interrupts()? {
        tokio::spawn(ignore(name, received));
    }
    watch_parent(shutdown, parent)
}

type Interrupts = Vec<(&'static str, futures::stream::BoxStream<'static, ()>)>;

#[cfg(unix)]
fn interrupts() -> Result<Interrupts, String> {
    use tokio::signal::unix::{signal, SignalKind};
    use tokio_stream::wrappers::SignalStream;
    let install = |kind: SignalKind, name: &'static str| {
        signal(kind)
            .map(|received| (name, SignalStream::new(received).boxed()))
            .map_err(|e| format!("cannot install the {name} handler: {e}"))
    };
    Ok(vec![
        install(SignalKind::interrupt(), "SIGINT")?,
        install(SignalKind::terminate(), "SIGTERM")?,
    ])
}

#[cfg(windows)]
fn interrupts() -> Result<Interrupts, String> {
    use tokio::signal::windows::{ctrl_break, ctrl_c};
    use tokio_stream::wrappers::{CtrlBreakStream, CtrlCStream};
    let failed = |name: &str, e: std::io::Error| format!("cannot install the {name} handler: {e}");
    let ctrl_c = ctrl_c().map_err(|e| failed("Ctrl-C", e))?;
    let ctrl_break = ctrl_break().map_err(|e| failed("Ctrl-Break", e))?;
    Ok(vec![
        ("Ctrl-C", CtrlCStream::new(ctrl_c).boxed()),
        ("Ctrl-Break", CtrlBreakStream::new(ctrl_break).boxed()),
    ])
}

/// Holding the handler keeps the default action (ending the process) away.
async fn ignore(name: &'static str, mut received: impl Stream<Item = ()> + Unpin) {
    let mut count = 0u64;
    while received.next().await.is_some() {
        count += 1;
        tracing::info!(
            count,
            "ignoring {name}: Terraform stops providers with StopProvider and ends them \
             when it is done"
        );
    }
}

#[cfg(unix)]
fn watch_parent(shutdown: &Shutdown, parent: Parent) -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut parent_death = signal(SignalKind::from_raw(PARENT_DEATH_SIGNAL))
            .map_err(|e| format!("cannot install the parent-death handler: {e}"))?;
        let on_death = shutdown.clone();
        tokio::spawn(async move {
            while parent_death.recv().await.is_some() {
                if parent_changed(parent) {
                    on_death.trigger(Reason::ParentGone);
                    return;
                }
                tracing::debug!("parent-death signal while the parent lives on; ignoring");
            }
        });
    }

    let on_orphan = shutdown.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if parent_changed(parent) {
                on_orphan.trigger(Reason::ParentGone);
                return;
            }
        }
    });

    // The parent may have died before the watch started.
    if parent_changed(parent) {
        shutdown.trigger(Reason::ParentGone);
    }
    Ok(())
}

/// No parent watch off Unix (see the module documentation).
#[cfg(not(unix))]
fn watch_parent(_shutdown: &Shutdown, _parent: Parent) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn first_reason_wins_and_every_waiter_sees_it() {
        let shutdown = Shutdown::default();
        let waiter = {
            let shutdown = shutdown.clone();
            tokio::spawn(async move { shutdown.wait().await })
        };
        shutdown.trigger(Reason::Controller);
        shutdown.trigger(Reason::ParentGone);
        assert_eq!(waiter.await.unwrap(), Reason::Controller);
        assert_eq!(shutdown.wait().await, Reason::Controller);
    }
}
