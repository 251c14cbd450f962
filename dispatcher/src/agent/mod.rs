//! The reference device agent (`tocsin device-agent`): a siren's or display's side of the device
//! protocol (docs/device-protocol.md). It long-polls the server, runs the program the operator
//! configured for each command's signal, acknowledges received, started, completed or failed,
//! sends heartbeats, and keeps the protocol's rules: a repeated signal on a thread does not
//! restart, a Cancel stops the thread's program, and a command is never run twice.

mod link;
pub mod plan;
pub mod protocol;
mod runner;
mod seen;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::config::Secret;
pub use link::jitter;
use link::{AckQueue, Answer};
pub use plan::Handlers;
use plan::{Action, decide};
pub use protocol::{Command, Poll, PollAnswer, Server, ServerError};
use runner::{Exit, Process};
use seen::Seen;

/// How the agent is set up.
#[derive(Clone, Debug)]
pub struct AgentConfig {
    /// The server's base URL.
    pub server: String,
    /// The device's secret (`tdv_…`).
    pub secret: Secret,
    /// The programs to run.
    pub handlers: Handlers,
    /// How often to send a heartbeat.
    pub heartbeat: Duration,
    /// How long one poll may wait for a change (1 to 60 seconds).
    pub wait_seconds: u64,
    /// Where to remember the commands taken on, across restarts.
    pub state_file: Option<PathBuf>,
}

/// Runs the agent until it is told to stop (SIGINT, SIGTERM) or the server refuses its secret.
pub async fn run(config: AgentConfig) -> anyhow::Result<()> {
    run_until(config, crate::server::shutdown_signal()).await
}

/// Runs the agent on the current runtime until `stop` completes or the server refuses its
/// secret; `tocsin demo` runs several agents in one process this way.
pub async fn run_until(config: AgentConfig, stop: impl std::future::Future<Output = ()>) -> anyhow::Result<()> {
    let server = Server::new(&config.server, config.secret.clone())?;
    let seen = Seen::load(config.state_file.clone())?;
    let acks = link::spawn_acks(server.clone());
    let heartbeats = tokio::spawn(link::heartbeats(server.clone(), config.heartbeat));
    let (answers_tx, mut answers) = mpsc::channel(1);
    let poller = tokio::spawn(link::poll(server, config.wait_seconds.clamp(1, 60), answers_tx));
    let (exits_tx, mut exits) = mpsc::channel(16);
    let mut agent = Agent { handlers: config.handlers, seen, running: HashMap::new(), runs: 0, acks, exits: exits_tx };
    let mut stop = std::pin::pin!(stop);
    tracing::info!(server = %config.server, "device agent started");
    let result = loop {
        tokio::select! {
            answer = answers.recv() => match answer {
                Some(Answer::Commands(a, handled)) => {
                    agent.take(a).await;
                    agent.acks.flush(handled);
                }
                Some(Answer::Refused(e)) => break Err(anyhow::Error::new(e)),
                None => break Ok(()),
            },
            Some(exit) = exits.recv() => agent.exited(exit),
            () = &mut stop => break Ok(()),
        }
    };
    poller.abort();
    heartbeats.abort();
    // A siren the agent can no longer control must not go on sounding.
    agent.stop_all().await;
    result
}

/// A program running for an alert thread.
struct Running {
    process: Process,
    signal: Option<String>,
    /// The commands it carries out: the one that started it and repeats that joined it.
    ids: Vec<i64>,
}

struct Agent {
    handlers: Handlers,
    seen: Seen,
    running: HashMap<String, Running>,
    runs: u64,
    acks: AckQueue,
    exits: mpsc::Sender<Exit>,
}

impl Agent {
    /// Takes on the new commands of a poll's answer, the most urgent first.
    async fn take(&mut self, answer: PollAnswer) {
        for json in answer.commands {
            let Some(cmd) = Command::parse(json) else {
                tracing::warn!("ignored a command the agent cannot read");
                continue;
            };
            if self.seen.contains(cmd.id) {
                continue;
            }
            if let Err(e) = self.seen.insert(cmd.id) {
                // Running the command matters more than remembering it.
                tracing::error!(error = %e, "could not save the state file");
            }
            self.acks.push(cmd.id, "received", None);
            self.act(cmd).await;
        }
    }

    async fn act(&mut self, cmd: Command) {
        let running = self.running.get(&cmd.thread).map(|r| r.signal.as_deref());
        match decide(&self.handlers, running, &cmd) {
            Action::Run { program, stop_first } => {
                if stop_first {
                    self.stop(&cmd.thread).await;
                }
                self.start(&program, cmd);
            }
            Action::Join => {
                tracing::info!(command = cmd.id, thread = %cmd.thread, "the signal already sounds; not restarted");
                if let Some(r) = self.running.get_mut(&cmd.thread) {
                    r.ids.push(cmd.id);
                }
                self.acks.push(cmd.id, "started", None);
            }
            Action::Stop => {
                self.stop(&cmd.thread).await;
                self.acks.push(cmd.id, "completed", None);
            }
            Action::Fail(reason) => {
                tracing::warn!(command = cmd.id, %reason, "cannot carry out a command");
                self.acks.push(cmd.id, "failed", Some(reason));
            }
        }
    }

    fn start(&mut self, program: &str, cmd: Command) {
        self.runs += 1;
        match runner::start(program, &cmd, self.runs, self.exits.clone()) {
            Ok(process) => {
                tracing::info!(command = cmd.id, signal = ?cmd.signal_code(), "program started");
                let signal = cmd.signal.map(|s| s.code);
                self.running.insert(cmd.thread, Running { process, signal, ids: vec![cmd.id] });
                self.acks.push(cmd.id, "started", None);
            }
            Err(e) => self.acks.push(cmd.id, "failed", Some(format!("the program could not be started: {e}"))),
        }
    }

    async fn stop(&mut self, thread: &str) {
        if let Some(r) = self.running.remove(thread) {
            tracing::info!(thread, "stopping the thread's program");
            r.process.stop().await;
        }
    }

    async fn stop_all(&mut self) {
        for (_, r) in self.running.drain() {
            r.process.stop().await;
        }
    }

    /// A program ended by itself: its commands are completed or failed.
    fn exited(&mut self, exit: Exit) {
        // A late exit of a run that was replaced is not this thread's any more.
        if self.running.get(&exit.thread).is_none_or(|r| r.process.run != exit.run) {
            return;
        }
        let Some(r) = self.running.remove(&exit.thread) else { return };
        for id in r.ids {
            match &exit.result {
                Ok(()) => self.acks.push(id, "completed", None),
                Err(reason) => self.acks.push(id, "failed", Some(reason.clone())),
            }
        }
    }
}
