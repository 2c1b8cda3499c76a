//! Machinery for the fault-injection tests (`resilience_*`): the project's
//! fault proxy run in-process in front of LocalStack, configurations with
//! many names, the server's view of a name prefix, the state file, Terraform
//! runs a test can interrupt or kill, and a look at processes through /proc.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::process::{Child, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use aws_fault_proxy::{Faults, Injected, Operation, ProxyHandle};

use super::names::unique_prefix;
use super::required_providers_block;
use super::sdk::{tag_map, Sdk};
use super::terraform::Terraform;
use super::workdir::{strip_ansi, TfOutput, Workdir};

/// The tag holding the id of the resource a secret belongs to.
pub const OWNER_TAG: &str = "planton.ai/resource-id";

/// The address of the resource every configuration here declares.
pub const ADDRESS: &str = "planton_aws_secrets.many";

/// The Secrets Manager operations that change something, each with its own
/// quota on AWS (50 requests/s).
pub const WRITE_OPERATIONS: [&str; 5] = [
    "CreateSecret",
    "DeleteSecret",
    "RestoreSecret",
    "TagResource",
    "UntagResource",
];

/// Serialises the tests that put a heavy load (a thousand names) on the one
/// LocalStack, so that a throughput measured by one is not the share left
/// over by another. Poison-tolerant: a failed test does not fail the next.
pub fn heavy_load_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// `<prefix>s0000`, `<prefix>s0001`, ...: `n` names under `prefix`.
pub fn numbered_names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}s{i:04}")).collect()
}

/// A quota of `per_second` on every write operation, as AWS enforces.
pub fn write_quotas(per_second: f64) -> BTreeMap<String, f64> {
    WRITE_OPERATIONS
        .iter()
        .map(|op| (op.to_string(), per_second))
        .collect()
}

/// A main.tf: this provider, talking to Secrets Manager at `endpoint` (the
/// fault proxy) with `provider_extra` added to its block, and one
/// `planton_aws_secrets.many` holding `names`.
pub fn secrets_config(endpoint: &str, provider_extra: &str, names: &[String]) -> String {
    let list: Vec<String> = names
        .iter()
        .map(|n| format!("    {},\n", serde_json::to_string(n).expect("a string")))
        .collect();
    format!(
        "{}\nprovider \"planton\" {{\n  region = \"us-east-1\"\n  endpoints {{\n    secretsmanager = \"{endpoint}\"\n    sts            = \"{endpoint}\"\n  }}\n  skip_credentials_validation = true\n  skip_requesting_account_id  = true\n{provider_extra}\n}}\n\nresource \"planton_aws_secrets\" \"many\" {{\n  secret_names = [\n{}  ]\n}}\n",
        required_providers_block(),
        list.concat()
    )
}

// ---------------------------------------------------------------------------
// The fault proxy

/// The project's fault-injecting proxy (tools/aws-fault-proxy) in front of
/// LocalStack, in this process. Stops when dropped.
pub struct FaultProxy {
    handle: ProxyHandle,
}

impl FaultProxy {
    /// A proxy forwarding to `upstream`, injecting nothing yet.
    pub fn start(upstream: &str) -> FaultProxy {
        FaultProxy {
            handle: super::proxy::start_proxy(upstream, "fault proxy"),
        }
    }

    /// `http://127.0.0.1:PORT`, for the provider's `endpoints`.
    pub fn endpoint(&self) -> String {
        self.handle.endpoint()
    }

    /// Replaces the faults in force (and restarts their generator).
    pub fn set_faults(&self, faults: Faults) {
        self.handle.set_faults(faults);
    }

    /// Injects nothing from now on.
    pub fn clear_faults(&self) {
        self.handle.set_faults(Faults::default());
    }

    /// Everything recorded since the start or the last [`clear`](Self::clear).
    pub fn operations(&self) -> Vec<Operation> {
        self.handle.operations()
    }

    /// Forgets the record; returns how many operations it held.
    pub fn clear(&self) -> usize {
        self.handle.clear_operations()
    }

    /// How many `operation` requests were recorded.
    pub fn count(&self, operation: &str) -> usize {
        count(&self.operations(), operation)
    }

    /// Waits until at least `n` `operation` requests were recorded, or
    /// `timeout` passed; true if they were.
    pub fn wait_for(&self, operation: &str, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.count(operation) >= n {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

/// How many `operation` requests `ops` holds.
pub fn count(ops: &[Operation], operation: &str) -> usize {
    ops.iter()
        .filter(|op| op.operation.as_deref() == Some(operation))
        .count()
}

/// The secrets named by `operation` requests in `ops`.
pub fn secrets_of(ops: &[Operation], operation: &str) -> BTreeSet<String> {
    ops.iter()
        .filter(|op| op.operation.as_deref() == Some(operation))
        .filter_map(|op| op.secret.clone())
        .collect()
}

/// One line per operation: how many were sent and what was injected, such
/// as `CreateSecret 1103 (throttle 61, 5xx 52, reset 9; upstream ok 1000)`.
pub fn summarize(ops: &[Operation]) -> String {
    let mut by_op: BTreeMap<String, Vec<&Operation>> = BTreeMap::new();
    for op in ops {
        by_op
            .entry(op.operation.clone().unwrap_or_else(|| "(none)".into()))
            .or_default()
            .push(op);
    }
    let mut lines = Vec::new();
    for (name, ops) in by_op {
        let injected = |kind: Injected| ops.iter().filter(|o| o.injected == Some(kind)).count();
        let upstream_ok = ops
            .iter()
            .filter(|o| o.upstream_status.is_some_and(|s| s < 300))
            .count();
        lines.push(format!(
            "{name} {} (throttle {}, 5xx {}, reset {}, deny {}; upstream ok {upstream_ok})",
            ops.len(),
            injected(Injected::Throttle),
            injected(Injected::Error5xx),
            injected(Injected::Reset),
            injected(Injected::Deny),
        ));
    }
    lines.join("; ")
}

/// Milliseconds from the first to the last `operation` request in `ops`.
pub fn span_ms(ops: &[Operation], operation: &str) -> Option<u64> {
    let times: Vec<u64> = ops
        .iter()
        .filter(|op| op.operation.as_deref() == Some(operation))
        .map(|op| op.ts_ms)
        .collect();
    Some(times.iter().max()? - times.iter().min()?)
}

// ---------------------------------------------------------------------------
// The server's view

/// One secret as ListSecrets reports it (never a value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSecret {
    pub arn: String,
    pub scheduled_for_deletion: bool,
    pub tags: BTreeMap<String, String>,
}

impl ServerSecret {
    /// The id of the resource it belongs to, per its tags.
    pub fn owner(&self) -> Option<&str> {
        self.tags.get(OWNER_TAG).map(String::as_str)
    }
}

/// Every secret on the server (LocalStack at `endpoint`, not through the
/// proxy) whose name starts with `prefix`, scheduled ones included.
pub fn server_secrets(endpoint: &str, prefix: &str) -> BTreeMap<String, ServerSecret> {
    Sdk::new(endpoint, "test", "planton-acceptance")
        .list_prefix(prefix)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter_map(|entry| {
            let secret = ServerSecret {
                arn: entry.arn().unwrap_or_default().to_string(),
                scheduled_for_deletion: entry.deleted_date().is_some(),
                tags: tag_map(entry.tags()),
            };
            Some((entry.name?, secret))
        })
        .collect()
}

/// Deletes for good (no recovery window) every secret whose name starts with
/// `prefix`, straight against LocalStack, sixteen at a time; returns how
/// many. Test clean-up only: the provider never force-deletes. Never panics.
pub fn purge_prefix(endpoint: &str, prefix: &str) -> usize {
    if prefix.is_empty() {
        return 0;
    }
    Sdk::new(endpoint, "test", "planton-acceptance").purge_prefix(prefix)
}

/// Removes every secret under a prefix when dropped, so LocalStack does not
/// fill up with a thousand names per test run, pass or fail.
pub struct PurgeOnDrop {
    pub endpoint: String,
    pub prefix: String,
}

impl Drop for PurgeOnDrop {
    fn drop(&mut self) {
        purge_prefix(&self.endpoint, &self.prefix);
    }
}

/// The setup of a heavy-load run: the heavy-load lock, a unique prefix
/// purged when dropped, the fault proxy in front of LocalStack, and a
/// working directory whose configuration holds `names` (under the prefix)
/// and is initialised.
pub struct HeavyRun {
    /// Dropped last: the purge, then the lock.
    pub guard: HeavyGuard,
    pub prefix: String,
    pub proxy: FaultProxy,
    pub names: Vec<String>,
    pub wd: Workdir,
}

/// Holds the heavy-load lock and purges the prefix when dropped.
pub struct HeavyGuard {
    _purge: PurgeOnDrop,
    _heavy: MutexGuard<'static, ()>,
}

impl HeavyRun {
    /// `n` names under a prefix made from `label`, against LocalStack at
    /// `endpoint`, with Terraform `tf`.
    pub fn start(tf: &Terraform, endpoint: &str, label: &str, n: usize) -> HeavyRun {
        let heavy = heavy_load_lock();
        let prefix = unique_prefix(label);
        let purge = PurgeOnDrop {
            endpoint: endpoint.to_string(),
            prefix: prefix.clone(),
        };
        let proxy = FaultProxy::start(endpoint);
        let names = numbered_names(&prefix, n);
        let wd = Workdir::new(tf);
        wd.write("main.tf", &secrets_config(&proxy.endpoint(), "", &names));
        wd.init();
        HeavyRun {
            guard: HeavyGuard {
                _purge: purge,
                _heavy: heavy,
            },
            prefix,
            proxy,
            names,
            wd,
        }
    }
}

// ---------------------------------------------------------------------------
// The state file

/// `planton_aws_secrets.many` as the state file records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedSecrets {
    pub id: String,
    pub secret_names: BTreeSet<String>,
    pub arns: BTreeMap<String, String>,
    /// Terraform marked the object tainted (a create that failed): the next
    /// plan replaces it.
    pub tainted: bool,
}

/// What `terraform.tfstate` in the working directory records for
/// [`ADDRESS`]; `None` when there is no state file or no such resource.
pub fn recorded_secrets(wd: &Workdir) -> Option<RecordedSecrets> {
    let path = wd.path().join("terraform.tfstate");
    let text = std::fs::read_to_string(&path).ok()?;
    if text.trim().is_empty() {
        return None;
    }
    let state: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON ({e}):\n{text}", path.display()));
    let resource = state["resources"]
        .as_array()?
        .iter()
        .find(|r| r["type"] == "planton_aws_secrets" && r["name"] == "many")?;
    let instance = resource["instances"].as_array()?.first()?;
    let attrs = &instance["attributes"];
    Some(RecordedSecrets {
        id: attrs["id"].as_str().unwrap_or_default().to_string(),
        secret_names: json_strings(&attrs["secret_names"]),
        arns: attrs["secret_arn_map"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default(),
        tainted: instance["status"] == "tainted",
    })
}

// ---------------------------------------------------------------------------
// Terraform runs a test acts on while they run

/// A Terraform command started in the background, in its own process group.
pub struct RunningTf {
    child: Child,
    started: Instant,
    version: String,
    args: Vec<String>,
    stdout: Option<JoinHandle<Vec<u8>>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
}

fn reader<R: Read + Send + 'static>(mut r: R) -> JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

impl RunningTf {
    /// Starts `terraform <args>` in `wd` as [`Workdir::run`] would.
    pub fn spawn(wd: &Workdir, args: &[&str]) -> RunningTf {
        let mut cmd = wd.command(args);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("starting terraform {args:?}: {e}"));
        let stdout = reader(child.stdout.take().expect("stdout pipe"));
        let stderr = reader(child.stderr.take().expect("stderr pipe"));
        RunningTf {
            child,
            started: Instant::now(),
            version: wd.terraform().name(),
            args: args.iter().map(|s| s.to_string()).collect(),
            stdout: Some(stdout),
            stderr: Some(stderr),
        }
    }

    /// Terraform's pid, which is also its process group's id.
    pub fn pid(&self) -> libc::pid_t {
        self.child.id() as libc::pid_t
    }

    /// Whether Terraform itself has exited (it is reaped on [`wait`](Self::wait)).
    pub fn has_exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// Ctrl-C as a terminal sends it: SIGINT to the whole process group,
    /// Terraform and the providers it started.
    pub fn interrupt(&self) {
        // SAFETY: kill(2) on the process group this test created.
        let rc = unsafe { libc::kill(-self.pid(), libc::SIGINT) };
        assert_eq!(rc, 0, "SIGINT to process group {}", self.pid());
    }

    /// CI cancellation as GitHub Actions, GitLab and Jenkins send it:
    /// SIGTERM to the whole process group.
    pub fn terminate(&self) {
        // SAFETY: kill(2) on the process group this test created.
        let rc = unsafe { libc::kill(-self.pid(), libc::SIGTERM) };
        assert_eq!(rc, 0, "SIGTERM to process group {}", self.pid());
    }

    /// Waits for Terraform to exit (killing its whole group after
    /// `timeout`), ends whatever of its group is left, and reports the run.
    pub fn wait(mut self, timeout: Duration) -> TfOutput {
        let pgid = self.pid();
        let deadline = Instant::now() + timeout;
        let mut timed_out = false;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("waiting for terraform") {
                break status;
            }
            if Instant::now() >= deadline {
                timed_out = true;
                // SAFETY: kill(2) on the process group this test created.
                unsafe { libc::kill(-pgid, libc::SIGKILL) };
                break self.child.wait().expect("waiting for killed terraform");
            }
            thread::sleep(Duration::from_millis(10));
        };
        let elapsed = self.started.elapsed();
        // Zombies (a killed Terraform's providers, reparented to init and
        // not yet reaped) still count for kill(-pgid, 0): look in /proc.
        let leftover_processes = !running_in_group(pgid).is_empty();
        if leftover_processes {
            // SAFETY: kill(2) on the process group this test created.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
        }
        let stdout = self.stdout.take().map(|h| h.join().unwrap_or_default());
        let stderr = self.stderr.take().map(|h| h.join().unwrap_or_default());
        TfOutput {
            version: self.version.clone(),
            args: self.args.clone(),
            status,
            timed_out,
            leftover_processes,
            elapsed,
            stdout: strip_ansi(&String::from_utf8_lossy(&stdout.unwrap_or_default())),
            stderr: strip_ansi(&String::from_utf8_lossy(&stderr.unwrap_or_default())),
        }
    }
}

impl Drop for RunningTf {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // SAFETY: kill(2) on the process group this test created.
            unsafe { libc::kill(-self.pid(), libc::SIGKILL) };
            let _ = self.child.wait();
        }
    }
}

// ---------------------------------------------------------------------------
// Processes, through /proc

/// `(state, ppid, pgrp)` from /proc/PID/stat, if the process exists.
fn stat_fields(pid: libc::pid_t) -> Option<(char, libc::pid_t, libc::pid_t)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, ppid, pgrp))
}

/// `(state, ppid)` from /proc/PID/stat, if the process exists.
fn stat(pid: libc::pid_t) -> Option<(char, libc::pid_t)> {
    stat_fields(pid).map(|(state, ppid, _)| (state, ppid))
}

fn all_pids() -> Vec<libc::pid_t> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<libc::pid_t>().ok())
        .collect()
}

/// Every process of process group `pgid`, as `pid name (state, parent)`,
/// for failure messages.
pub fn describe_group(pgid: libc::pid_t) -> Vec<String> {
    all_pids()
        .into_iter()
        .filter_map(|p| {
            let (state, ppid, pgrp) = stat_fields(p)?;
            (pgrp == pgid).then(|| {
                format!(
                    "{p} {} ({state}, parent {ppid})",
                    program_name(p).unwrap_or_default()
                )
            })
        })
        .collect()
}

/// Whether `pid` is a live process (not gone, not a zombie).
pub fn is_running(pid: libc::pid_t) -> bool {
    matches!(stat(pid), Some((state, _)) if state != 'Z' && state != 'X')
}

/// The live children of `pid`.
pub fn children(pid: libc::pid_t) -> Vec<libc::pid_t> {
    all_pids()
        .into_iter()
        .filter(|p| matches!(stat(*p), Some((state, ppid)) if ppid == pid && state != 'Z'))
        .collect()
}

/// The executable file name of `pid` (from /proc/PID/exe, else its
/// command line), such as `terraform-provider-planton_v0.1.0`.
pub fn program_name(pid: libc::pid_t) -> Option<String> {
    if let Ok(exe) = std::fs::read_link(format!("/proc/{pid}/exe")) {
        if let Some(name) = exe.file_name() {
            return Some(name.to_string_lossy().to_string());
        }
    }
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let first = cmdline.split(|b| *b == 0).next()?;
    let path = String::from_utf8_lossy(first).to_string();
    Some(path.rsplit('/').next().unwrap_or(&path).to_string())
}

/// The live descendants of `pid`: children, their children, and so on.
pub fn descendants(pid: libc::pid_t) -> Vec<libc::pid_t> {
    let mut found = Vec::new();
    let mut queue = vec![pid];
    while let Some(p) = queue.pop() {
        for child in children(p) {
            found.push(child);
            queue.push(child);
        }
    }
    found
}

/// This provider's processes under Terraform `pid`, each with its parent:
/// the Terraform process doing the work. (Terraform 1.0 runs itself twice,
/// an outer process watching an inner one for panics; the provider is the
/// inner one's child. Later versions start providers directly.)
pub fn provider_processes(pid: libc::pid_t) -> Vec<(libc::pid_t, libc::pid_t)> {
    descendants(pid)
        .into_iter()
        .filter(|p| program_name(*p).is_some_and(|n| n.starts_with("terraform-provider-planton")))
        .filter_map(|p| Some((p, stat(p)?.1)))
        .collect()
}

/// `kill -9 pid`.
pub fn kill9(pid: libc::pid_t) {
    // SAFETY: kill(2) has no memory-safety preconditions.
    let rc = unsafe { libc::kill(pid, libc::SIGKILL) };
    assert_eq!(rc, 0, "SIGKILL to {pid}");
}

/// The live (not zombie) processes of process group `pgid`.
pub fn running_in_group(pgid: libc::pid_t) -> Vec<libc::pid_t> {
    all_pids()
        .into_iter()
        .filter(|p| matches!(stat_fields(*p), Some((state, _, pgrp)) if pgrp == pgid && state != 'Z' && state != 'X'))
        .collect()
}

/// Waits up to `timeout` for every pid of `pids` to be gone; returns how
/// long that took, or the pids still running.
pub fn wait_gone(pids: &[libc::pid_t], timeout: Duration) -> Result<Duration, Vec<libc::pid_t>> {
    let start = Instant::now();
    loop {
        let running: Vec<libc::pid_t> = pids.iter().copied().filter(|p| is_running(*p)).collect();
        if running.is_empty() {
            return Ok(start.elapsed());
        }
        if start.elapsed() >= timeout {
            return Err(running);
        }
        thread::sleep(Duration::from_millis(10));
    }
}

// ---------------------------------------------------------------------------
// Reading Terraform's output

/// One error diagnostic as Terraform printed it.
#[derive(Debug, Clone)]
pub struct ErrorBlock {
    /// The line after `Error: `.
    pub summary: String,
    /// The whole block (summary, source snippet, detail) with every run of
    /// whitespace, line breaks included, made one space: Terraform wraps
    /// details at 80 columns.
    pub text: String,
}

/// The error diagnostics Terraform printed (`-no-color` human output), one
/// per `Error: ` block.
pub fn error_blocks(out: &TfOutput) -> Vec<ErrorBlock> {
    let text = out.combined();
    let mut blocks: Vec<(String, Vec<String>)> = Vec::new();
    let mut open = false;
    for line in text.lines() {
        let trimmed = line.trim_start_matches(['│', '╷', '╵', ' ']);
        if let Some(summary) = trimmed.strip_prefix("Error: ") {
            blocks.push((summary.trim().to_string(), vec![summary.to_string()]));
            open = true;
        } else if line.starts_with('╵') || trimmed.starts_with("Warning: ") {
            open = false;
        } else if open {
            if let Some((_, lines)) = blocks.last_mut() {
                lines.push(trimmed.to_string());
            }
        }
    }
    blocks
        .into_iter()
        .map(|(summary, lines)| ErrorBlock {
            summary,
            text: lines
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect()
}

/// `plan -out` then `show -json` of that plan: the change Terraform plans
/// for [`ADDRESS`] (`None` when it plans none) and the plan's text.
pub fn planned_change(wd: &Workdir) -> (Option<serde_json::Value>, TfOutput) {
    let plan = wd.run(&[
        "plan",
        "-no-color",
        "-input=false",
        "-detailed-exitcode",
        "-out=resilience.tfplan",
    ]);
    assert!(
        matches!(plan.code(), Some(0) | Some(2)) && !plan.timed_out,
        "plan failed: {}",
        plan.describe()
    );
    let shown = wd.run_ok(&["show", "-json", "resilience.tfplan"]);
    let json = shown.json();
    let change = json["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["address"] == ADDRESS)
        .cloned();
    (change, plan)
}

/// The strings of a JSON array (a set in a plan's `before` / `after`).
pub fn json_strings(v: &serde_json::Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts that state and server agree: every name the state records
/// exists on the server, live, with the recorded ARN and tagged with the
/// recorded id; returns the names on the server under `prefix` that the
/// state does not record.
pub fn assert_state_is_true(
    context: &str,
    state: Option<&RecordedSecrets>,
    server: &BTreeMap<String, ServerSecret>,
) -> BTreeSet<String> {
    let empty = BTreeMap::new();
    let arns = state.map_or(&empty, |s| &s.arns);
    if let Some(state) = state {
        assert_eq!(
            state.secret_names,
            state.arns.keys().cloned().collect::<BTreeSet<_>>(),
            "{context}: secret_names and secret_arn_map disagree in state"
        );
    }
    for (name, arn) in arns {
        let Some(secret) = server.get(name) else {
            panic!("{context}: state records {name} ({arn}), which does not exist on the server");
        };
        assert_eq!(&secret.arn, arn, "{context}: ARN of {name}");
        assert!(
            !secret.scheduled_for_deletion,
            "{context}: state records {name}, which is scheduled for deletion"
        );
        let id = state.map(|s| s.id.as_str());
        assert_eq!(
            secret.owner(),
            id,
            "{context}: {name} is not tagged with the resource's id"
        );
    }
    server
        .keys()
        .filter(|n| !arns.contains_key(*n))
        .cloned()
        .collect()
}
