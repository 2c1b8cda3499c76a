//! The Unix socket Terraform connects to, created where go-plugin would and
//! removed when the provider exits.
//!
//! Without `PLUGIN_UNIX_SOCKET_DIR` the socket goes into a fresh private
//! directory (mode 0700) under the system temp dir, so no other user can
//! reach it. With it, the host made that directory for us (containerised
//! runners share it) and the socket goes straight into it, as go-plugin does.
//! `PLUGIN_UNIX_SOCKET_GROUP` (a name or gid) makes the socket group-writable
//! for hosts running as another user.

use std::ffi::{CString, OsString};
use std::hash::{BuildHasher, RandomState};
use std::io;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tokio::net::UnixListener;

/// Removes the socket (and the directory made for it) when dropped.
#[derive(Debug)]
pub struct SocketGuard {
    path: PathBuf,
    own_dir: Option<PathBuf>,
}

impl SocketGuard {
    /// Where the socket is: the address field of the handshake line.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SocketGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        if let Some(dir) = &self.own_dir {
            // Not recursive: only ever remove what we made, and only if empty.
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Binds the plugin socket as configured by the environment. Must run
/// inside the tokio runtime.
pub fn bind() -> Result<(UnixListener, SocketGuard), String> {
    let host_dir = std::env::var_os("PLUGIN_UNIX_SOCKET_DIR").filter(|d| !d.is_empty());
    let group = std::env::var("PLUGIN_UNIX_SOCKET_GROUP")
        .ok()
        .filter(|g| !g.is_empty());
    let group = group.as_deref().map(group_id).transpose()?;

    let (listener, guard) = match host_dir {
        Some(dir) => bind_in_host_dir(Path::new(&dir))?,
        None => bind_in_private_dir(&std::env::temp_dir())?,
    };
    if let Some(gid) = group {
        share_with_group(&guard, gid)?;
    }
    Ok((listener, guard))
}

fn bind_in_private_dir(base: &Path) -> Result<(UnixListener, SocketGuard), String> {
    let dir = make_private_dir(base).map_err(|e| {
        format!(
            "cannot create a directory for the plugin socket in {}: {e}",
            base.display()
        )
    })?;
    let path = dir.join("plugin.sock");
    let guard = SocketGuard {
        path,
        own_dir: Some(dir),
    };
    let listener = UnixListener::bind(&guard.path).map_err(|e| bind_error(&guard.path, &e))?;
    Ok((listener, guard))
}

fn bind_in_host_dir(dir: &Path) -> Result<(UnixListener, SocketGuard), String> {
    // bind() itself refuses an existing path, so a name clash just retries.
    let state = RandomState::new();
    for attempt in 0u64..32 {
        let path = dir.join(format!("plugin{:016x}", state.hash_one(attempt)));
        match UnixListener::bind(&path) {
            Ok(listener) => {
                let guard = SocketGuard {
                    path,
                    own_dir: None,
                };
                return Ok((listener, guard));
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(bind_error(&path, &e)),
        }
    }
    Err(format!(
        "cannot find a free name for the plugin socket in {}",
        dir.display()
    ))
}

fn bind_error(path: &Path, e: &io::Error) -> String {
    format!(
        "cannot listen on the plugin socket {}: {e} (a Unix socket path must be shorter \
         than 108 bytes; point TMPDIR or PLUGIN_UNIX_SOCKET_DIR at a short directory)",
        path.display()
    )
}

/// `mkdtemp`: an unpredictable name, created atomically with mode 0700.
fn make_private_dir(base: &Path) -> io::Result<PathBuf> {
    let mut template = base
        .join("terraform-provider-XXXXXX")
        .into_os_string()
        .into_vec();
    template.push(0);
    // SAFETY: `template` is a writable, NUL-terminated buffer that mkdtemp
    // fills in place and that outlives the call.
    let made = unsafe { libc::mkdtemp(template.as_mut_ptr().cast()) };
    if made.is_null() {
        return Err(io::Error::last_os_error());
    }
    template.pop();
    Ok(PathBuf::from(OsString::from_vec(template)))
}

/// Gives `gid` write access to the socket (and passage through our own
/// directory), like go-plugin's setGroupWritable.
fn share_with_group(guard: &SocketGuard, gid: libc::gid_t) -> Result<(), String> {
    let share = |path: &Path, mode: u32| -> io::Result<()> {
        std::os::unix::fs::chown(path, None, Some(gid))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    };
    share(&guard.path, 0o660)
        .and_then(|()| guard.own_dir.as_deref().map_or(Ok(()), |dir| share(dir, 0o710)))
        .map_err(|e| {
            format!(
                "cannot give group {gid} (PLUGIN_UNIX_SOCKET_GROUP) access to the plugin socket {}: {e}",
                guard.path.display()
            )
        })
}

/// A group given by number or by name.
fn group_id(group: &str) -> Result<libc::gid_t, String> {
    if let Ok(gid) = group.parse() {
        return Ok(gid);
    }
    let unknown = || format!("PLUGIN_UNIX_SOCKET_GROUP names an unknown group {group:?}");
    let name = CString::new(group).map_err(|_| unknown())?;
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: an all-zero `group` is a valid value (null pointers, zero gid)
    // that getgrnam_r overwrites.
    let mut entry: libc::group = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::group = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the duration of the call and the
    // buffer length is its real length.
    let rc = unsafe {
        libc::getgrnam_r(
            name.as_ptr(),
            &mut entry,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        )
    };
    if rc != 0 || found.is_null() {
        return Err(unknown());
    }
    Ok(entry.gr_gid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_number_and_name() {
        assert_eq!(group_id("0"), Ok(0));
        assert_eq!(group_id("root"), Ok(0));
        assert!(group_id("no-such-group-anywhere").is_err());
    }

    #[tokio::test]
    async fn private_dir_is_private_and_cleaned_up() {
        let base = std::env::temp_dir();
        let (listener, guard) = bind_in_private_dir(&base).unwrap();
        let dir = guard.path().parent().unwrap().to_owned();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(guard.path().exists());
        drop(listener);
        drop(guard);
        assert!(!dir.exists());
    }

    #[tokio::test]
    async fn host_dir_gets_the_socket_directly() {
        let host = std::env::temp_dir().join(format!("plugin-host-{}", std::process::id()));
        std::fs::create_dir_all(&host).unwrap();
        let (_l1, g1) = bind_in_host_dir(&host).unwrap();
        let (_l2, g2) = bind_in_host_dir(&host).unwrap();
        assert_eq!(g1.path().parent(), Some(host.as_path()));
        assert_ne!(g1.path(), g2.path());
        drop((g1, g2));
        std::fs::remove_dir(&host).unwrap();
    }
}
