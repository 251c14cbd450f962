//! The programs the agent runs for commands: started with the command's JSON on stdin and its
//! essentials in the environment, in a process group of their own so that a stop reaches
//! whatever they started, and watched so that their exit becomes an acknowledgement.

use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::Child;
use tokio::sync::{mpsc, oneshot};

use super::protocol::Command;

/// How long a stopped program may take to end after SIGTERM before it is killed.
const GRACE: Duration = Duration::from_secs(5);

/// A program that ended by itself.
#[derive(Debug)]
pub struct Exit {
    /// The run it belongs to.
    pub run: u64,
    /// The alert thread it ran for.
    pub thread: String,
    /// `Ok` for exit status 0, otherwise why it failed.
    pub result: Result<(), String>,
}

/// A running program; dropping this leaves it running.
pub struct Process {
    /// A number unique to this run, so that a late exit of a replaced run is recognised.
    pub run: u64,
    stop: oneshot::Sender<oneshot::Sender<()>>,
}

impl Process {
    /// Stops the program (SIGTERM to its process group, SIGKILL after a grace period) and waits
    /// until it has ended. A stopped program reports no [`Exit`].
    pub async fn stop(self) {
        let (done, ended) = oneshot::channel();
        if self.stop.send(done).is_ok() {
            let _ = ended.await;
        }
    }
}

/// Starts `program` with `sh -c` for a command; its end is reported on `exits`.
pub fn start(program: &str, cmd: &Command, run: u64, exits: mpsc::Sender<Exit>) -> std::io::Result<Process> {
    let signal = cmd.signal.as_ref();
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(program)
        // The program needs no credentials of the device's.
        .env_remove("TOCSIN_DEVICE_SECRET")
        .env("TOCSIN_SIGNAL", signal.map_or("", |s| s.code.as_str()))
        .env("TOCSIN_SECONDS", signal.map_or(0, |s| s.seconds).to_string())
        .env("TOCSIN_ALERT", cmd.alert_id.to_string())
        .env("TOCSIN_MODE", &cmd.mode)
        .env("TOCSIN_MSG_TYPE", &cmd.msg_type)
        .env("TOCSIN_COMMAND", cmd.id.to_string())
        .stdin(Stdio::piped())
        .process_group(0)
        .kill_on_drop(false)
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        let json = cmd.json.to_string().into_bytes();
        // A program that does not read its input closes the pipe early; that is its right.
        tokio::spawn(async move {
            let _ = stdin.write_all(&json).await;
            let _ = stdin.shutdown().await;
        });
    }
    let (stop, stop_rx) = oneshot::channel();
    tokio::spawn(watch(child, run, cmd.thread.clone(), stop_rx, exits));
    Ok(Process { run, stop })
}

async fn watch(
    mut child: Child,
    run: u64,
    thread: String,
    mut stop: oneshot::Receiver<oneshot::Sender<()>>,
    exits: mpsc::Sender<Exit>,
) {
    tokio::select! {
        status = child.wait() => {
            let result = match status {
                Ok(s) if s.success() => Ok(()),
                Ok(s) => Err(describe(s)),
                Err(e) => Err(format!("waiting for the program failed: {e}")),
            };
            let _ = exits.send(Exit { run, thread, result }).await;
        }
        Ok(done) = &mut stop => {
            terminate(&mut child).await;
            let _ = done.send(());
        }
    }
}

/// Ends the program and everything it started.
async fn terminate(child: &mut Child) {
    if let Some(pid) = child.id() {
        signal_group("TERM", pid).await;
        if tokio::time::timeout(GRACE, child.wait()).await.is_ok() {
            return;
        }
        signal_group("KILL", pid).await;
    }
    let _ = child.kill().await;
}

/// Signals a process group with kill(1): the workspace forbids the unsafe code of kill(2).
async fn signal_group(signal: &str, pgid: u32) {
    let sent = tokio::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{pgid}"))
        .stderr(Stdio::null())
        .status()
        .await;
    if let Err(e) = sent {
        tracing::warn!(error = %e, "could not run kill(1) to stop a program");
    }
}

fn describe(s: ExitStatus) -> String {
    match (s.code(), s.signal()) {
        (Some(code), _) => format!("the program exited with status {code}"),
        (None, Some(sig)) => format!("the program was ended by signal {sig}"),
        (None, None) => format!("the program ended with {s}"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cmd() -> Command {
        Command::parse(json!({
            "id": 9, "alertId": 3, "thread": "t", "msgType": "Alert", "mode": "exercise",
            "signal": { "code": "sk-water-danger", "seconds": 360 }
        }))
        .unwrap()
    }

    #[tokio::test]
    async fn a_program_gets_the_command_and_its_exit_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let program = format!(
            "echo \"$TOCSIN_SIGNAL $TOCSIN_SECONDS $TOCSIN_ALERT $TOCSIN_MODE $TOCSIN_COMMAND\" > {0}; cat >> {0}; exit 3",
            out.display()
        );
        let (tx, mut rx) = mpsc::channel(1);
        let p = start(&program, &cmd(), 1, tx).unwrap();
        let exit = rx.recv().await.unwrap();
        assert_eq!((exit.run, exit.thread.as_str()), (p.run, "t"));
        assert_eq!(exit.result, Err("the program exited with status 3".into()));
        let text = std::fs::read_to_string(out).unwrap();
        let (env, stdin) = text.split_once('\n').unwrap();
        assert_eq!(env, "sk-water-danger 360 3 exercise 9");
        assert_eq!(serde_json::from_str::<serde_json::Value>(stdin).unwrap(), cmd().json);
    }

    #[tokio::test]
    async fn a_stopped_program_ends_with_its_children_and_reports_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        // The shell starts a child of its own: the stop must reach it too.
        let program = format!("sleep 600 & echo $! > {}; wait", pid_file.display());
        let (tx, mut rx) = mpsc::channel(1);
        let p = start(&program, &cmd(), 2, tx).unwrap();
        while std::fs::read_to_string(&pid_file).map_or(true, |s| !s.ends_with('\n')) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let sleeper = std::fs::read_to_string(&pid_file).unwrap().trim().to_string();
        p.stop().await;
        assert!(rx.try_recv().is_err(), "a stopped program reports no exit");
        // kill -0 fails once the sleeper is gone (reaped by init, or a zombie at worst briefly).
        let mut gone = false;
        for _ in 0..100 {
            let alive = std::process::Command::new("kill").args(["-0", &sleeper]).status().unwrap().success();
            let state = std::fs::read_to_string(format!("/proc/{sleeper}/stat")).unwrap_or_default();
            if !alive || state.split_whitespace().nth(2) == Some("Z") {
                gone = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(gone, "the program's child survived the stop");
    }
}
