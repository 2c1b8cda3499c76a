//! A throw-away Terraform working directory and the commands run in it.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::mirror::{install_mirror, Mirror};
use super::terraform::Terraform;

/// How long one Terraform command may take before it is killed
/// (`PLANTON_ACCEPTANCE_TIMEOUT_SECS`, default 300).
fn default_timeout() -> Duration {
    let secs = std::env::var("PLANTON_ACCEPTANCE_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(300);
    Duration::from_secs(secs)
}

/// A temporary directory with its own provider mirror, CLI config and
/// `HOME`, and a `work/` directory where the test's `.tf` files go and
/// Terraform runs. Removed when dropped.
pub struct Workdir {
    tf: Terraform,
    // Kept for its Drop; everything below lives inside it.
    _tmp: TempDir,
    dir: PathBuf,
    home: PathBuf,
    mirror: Mirror,
    env: BTreeMap<String, String>,
    timeout: Duration,
}

impl Workdir {
    /// A fresh working directory for Terraform `tf`.
    pub fn new(tf: &Terraform) -> Workdir {
        let tmp = tempfile::Builder::new()
            .prefix("planton-acc-")
            .tempdir()
            .expect("creating a temporary directory");
        let base = tmp.path().to_path_buf();
        let dir = base.join("work");
        let home = base.join("home");
        fs::create_dir_all(&dir).expect("creating work/");
        fs::create_dir_all(&home).expect("creating home/");
        let mirror = install_mirror(&base);

        let mut env = BTreeMap::new();
        let mut set = |k: &str, v: &str| {
            env.insert(k.to_string(), v.to_string());
        };
        set(
            "TF_CLI_CONFIG_FILE",
            &mirror.cli_config.display().to_string(),
        );
        set("CHECKPOINT_DISABLE", "1");
        set("TF_IN_AUTOMATION", "1");
        set("TF_INPUT", "0");
        set("HOME", &home.display().to_string());
        // Credentials and region for LocalStack; no profile or file of the
        // caller's is read.
        set("AWS_ACCESS_KEY_ID", "test");
        set("AWS_SECRET_ACCESS_KEY", "test");
        set("AWS_REGION", "us-east-1");
        set(
            "AWS_CONFIG_FILE",
            &home.join(".aws/config").display().to_string(),
        );
        set(
            "AWS_SHARED_CREDENTIALS_FILE",
            &home.join(".aws/credentials").display().to_string(),
        );
        set("AWS_EC2_METADATA_DISABLED", "true");
        for key in ["PATH", "TMPDIR", "LANG", "RUST_BACKTRACE"] {
            if let Ok(v) = std::env::var(key) {
                set(key, &v);
            }
        }
        if let Ok(level) = std::env::var("PLANTON_ACCEPTANCE_TF_LOG") {
            if !level.is_empty() {
                set("TF_LOG", &level);
                set(
                    "TF_LOG_PATH",
                    &base.join("terraform.log").display().to_string(),
                );
            }
        }

        Workdir {
            tf: tf.clone(),
            _tmp: tmp,
            dir,
            home,
            mirror,
            env,
            timeout: default_timeout(),
        }
    }

    /// The Terraform this directory runs.
    pub fn terraform(&self) -> &Terraform {
        &self.tf
    }

    /// The directory Terraform runs in.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The provider mirror and CLI config of this directory.
    pub fn mirror(&self) -> &Mirror {
        &self.mirror
    }

    /// Writes `name` (relative to the working directory) with `contents`.
    pub fn write(&self, name: &str, contents: &str) -> &Self {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("creating parent directory");
        }
        fs::write(&path, contents).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        self
    }

    /// Reads a file of the working directory.
    pub fn read(&self, name: &str) -> String {
        let path = self.dir.join(name);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
    }

    /// Copies the files of `examples/<name>` (not its subdirectories, nor
    /// any `.terraform*` or state file left there) into the working directory.
    pub fn copy_example(&self, name: &str) -> &Self {
        copy_example_files(name, &self.dir);
        self
    }

    /// Sets an environment variable for every later command (`TF_LOG`,
    /// `TF_VAR_...`, an `AWS_...` override).
    pub fn env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.insert(key.to_string(), value.to_string());
        self
    }

    /// Removes an environment variable the harness sets by default.
    pub fn env_remove(&mut self, key: &str) -> &mut Self {
        self.env.remove(key);
        self
    }

    /// Bounds each later command to `timeout`.
    pub fn timeout(&mut self, timeout: Duration) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// Runs `terraform <args>` in the working directory with only the
    /// harness's environment, and returns what happened. Never panics on a
    /// non-zero exit; a command past its timeout is killed (with everything
    /// it started) and reported as failed.
    pub fn run(&self, args: &[&str]) -> TfOutput {
        self.run_program(&self.tf.path, args, &self.env)
    }

    /// Runs the shell script `script` (`sh SCRIPT`) in the working directory
    /// with the harness's environment, and with this directory's Terraform
    /// first on `PATH` as `terraform`, so a documented command such as
    /// `terraform import ...` runs exactly as written with the version under
    /// test. Never panics on a non-zero exit.
    pub fn run_script(&self, script: &Path) -> TfOutput {
        let bin = self.home.with_file_name("bin");
        fs::create_dir_all(&bin).expect("creating bin/");
        let link = bin.join("terraform");
        if !link.exists() {
            std::os::unix::fs::symlink(&self.tf.path, &link)
                .unwrap_or_else(|e| panic!("linking {}: {e}", link.display()));
        }
        let mut env = self.env.clone();
        let path = match env.get("PATH") {
            Some(p) if !p.is_empty() => format!("{}:{p}", bin.display()),
            _ => format!("{}:/usr/bin:/bin", bin.display()),
        };
        env.insert("PATH".to_string(), path);
        let script = script.display().to_string();
        self.run_program(Path::new("sh"), &[script.as_str()], &env)
    }

    /// Copies the files of `examples/<name>` (as [`copy_example`]
    /// does) into `subdir` of the working directory, such as a module
    /// under `modules/app-secrets`.
    ///
    /// [`copy_example`]: Self::copy_example
    pub fn copy_example_into(&self, name: &str, subdir: &str) -> &Self {
        let dest = self.dir.join(subdir);
        fs::create_dir_all(&dest).unwrap_or_else(|e| panic!("creating {}: {e}", dest.display()));
        copy_example_files(name, &dest);
        self
    }

    fn run_program(
        &self,
        program: &Path,
        args: &[&str],
        env: &BTreeMap<String, String>,
    ) -> TfOutput {
        let started = Instant::now();
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(&self.dir)
            .env_clear()
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so a timeout kills the providers too.
            .process_group(0);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", program.display()));
        let pgid = child.id() as libc::pid_t;
        let out_reader = spawn_reader(child.stdout.take().expect("stdout pipe"));
        let err_reader = spawn_reader(child.stderr.take().expect("stderr pipe"));

        let mut timed_out = false;
        let status = loop {
            if let Some(status) = child.try_wait().expect("waiting for terraform") {
                break status;
            }
            if started.elapsed() > self.timeout {
                timed_out = true;
                // SAFETY: kill(2) on a process group this call created.
                unsafe {
                    libc::kill(-pgid, libc::SIGKILL);
                }
                break child.wait().expect("waiting for killed terraform");
            }
            thread::sleep(Duration::from_millis(20));
        };
        // Anything Terraform started and left behind (a provider that did not
        // exit) is recorded, then ended, so it cannot hold the pipes open.
        // SAFETY: signal 0 only checks; SIGKILL targets this command's group.
        let leftover_processes = unsafe { libc::kill(-pgid, 0) } == 0;
        if leftover_processes {
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
        let stdout = out_reader.join().expect("stdout reader");
        let stderr = err_reader.join().expect("stderr reader");
        TfOutput {
            version: self.tf.name(),
            // A program other than Terraform (a script) is named first.
            args: (program != self.tf.path)
                .then(|| format!("(via {})", program.display()))
                .into_iter()
                .chain(args.iter().map(|s| s.to_string()))
                .collect(),
            status,
            timed_out,
            leftover_processes,
            elapsed: started.elapsed(),
            stdout: strip_ansi(&String::from_utf8_lossy(&stdout)),
            stderr: strip_ansi(&String::from_utf8_lossy(&stderr)),
        }
    }

    /// [`run`](Self::run), asserting the command succeeded.
    pub fn run_ok(&self, args: &[&str]) -> TfOutput {
        let out = self.run(args);
        out.assert_success();
        out
    }

    /// `terraform init`, asserting it succeeded.
    pub fn init(&self) -> TfOutput {
        self.run_ok(&["init", "-input=false", "-no-color"])
    }

    /// `HOME` for this directory's commands.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// `terraform <args>` prepared as [`run`](Self::run) prepares it (the
    /// working directory, only the harness's environment, no stdin, its own
    /// process group) but not started, for a test that must act on the
    /// running process, such as sending it a signal. Stdout and stderr are
    /// left to the caller.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.tf.path);
        cmd.args(args)
            .current_dir(&self.dir)
            .env_clear()
            .envs(&self.env)
            .stdin(Stdio::null())
            .process_group(0);
        cmd
    }
}

fn spawn_reader<R: Read + Send + 'static>(mut r: R) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

/// Copies the files of `examples/<name>` (not its subdirectories, nor any
/// `.terraform*` or state file left there) into `dest`.
fn copy_example_files(name: &str, dest: &Path) {
    let src = super::example_dir(name);
    let entries = fs::read_dir(&src).unwrap_or_else(|e| panic!("reading {}: {e}", src.display()));
    for entry in entries {
        let entry = entry.expect("reading a directory entry");
        let file_name = entry.file_name().to_string_lossy().to_string();
        if !entry.file_type().map(|t| t.is_file()).unwrap_or(false)
            || file_name.starts_with(".terraform")
            || file_name.starts_with("terraform.tfstate")
        {
            continue;
        }
        fs::copy(entry.path(), dest.join(&file_name))
            .unwrap_or_else(|e| panic!("copying {}: {e}", entry.path().display()));
    }
}

/// Removes ANSI escape sequences (colour), in case a command prints them.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// What one Terraform command did.
#[derive(Debug)]
pub struct TfOutput {
    /// The client that ran it, such as `Terraform 1.0.3` or `OpenTofu 1.11.6`.
    pub version: String,
    pub args: Vec<String>,
    pub status: ExitStatus,
    pub timed_out: bool,
    /// Whether processes of the command's group (providers) were still
    /// alive after Terraform exited; they were killed.
    pub leftover_processes: bool,
    pub elapsed: Duration,
    pub stdout: String,
    pub stderr: String,
}

impl TfOutput {
    pub fn success(&self) -> bool {
        self.status.success() && !self.timed_out
    }

    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Everything printed, stdout then stderr.
    pub fn combined(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// A readable account of the command for failure messages.
    pub fn describe(&self) -> String {
        format!(
            "terraform {} ({}) exited with {:?}{} after {:.1}s\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.args.join(" "),
            self.version,
            self.status.code(),
            if self.timed_out { " (killed: timed out)" } else { "" },
            self.elapsed.as_secs_f64(),
            self.stdout.trim_end(),
            self.stderr.trim_end()
        )
    }

    pub fn assert_success(&self) -> &Self {
        assert!(self.success(), "expected success: {}", self.describe());
        self
    }

    pub fn assert_failure(&self) -> &Self {
        assert!(
            !self.timed_out && !self.status.success(),
            "expected a non-zero exit: {}",
            self.describe()
        );
        self
    }

    /// Asserts the exit code, such as 2 for `plan -detailed-exitcode` with
    /// changes.
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code(),
            Some(code),
            "expected exit code {code}: {}",
            self.describe()
        );
        self
    }

    /// Asserts that stdout contains `text`, such as Terraform's
    /// "Resources: 1 added, 0 changed, 0 destroyed.".
    pub fn assert_stdout_contains(&self, text: &str) -> &Self {
        assert!(self.stdout.contains(text), "{}", self.describe());
        self
    }

    /// Stdout parsed as JSON (for `-json` commands).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.describe()))
    }

    /// Stdout as JSON lines (for `terraform plan -json` and friends).
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}\n{}", self.describe()))
            })
            .collect()
    }
}
