//! What the agent does with a new command, given what runs on its thread: the protocol's rule
//! that a repeated signal does not restart, Cancels that stop, and the configured programs.

use std::collections::HashMap;

use super::protocol::Command;

/// The programs the operator configured.
#[derive(Clone, Debug, Default)]
pub struct Handlers {
    /// A shell command per siren signal code.
    pub signals: HashMap<String, String>,
    /// The shell command for commands without a signal (displays).
    pub display: Option<String>,
}

/// What to do with a new command.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// The thread already runs this signal: keep it running and only acknowledge the new id.
    Join,
    /// Run a program, stopping the thread's running one first when there is one.
    Run {
        /// The shell command.
        program: String,
        /// Whether something runs on the thread now.
        stop_first: bool,
    },
    /// A Cancel with nothing configured to run: stop the thread's program; that is all.
    Stop,
    /// The device cannot carry the command out.
    Fail(String),
}

/// Decides, given the signal of the program running on the command's thread (outer `None`: none
/// runs; inner `None`: it runs without a signal, as on a display).
pub fn decide(handlers: &Handlers, running: Option<Option<&str>>, cmd: &Command) -> Action {
    if let (Some(Some(now)), Some(new)) = (running, cmd.signal_code())
        && now == new
    {
        return Action::Join;
    }
    let program = match cmd.signal_code() {
        Some(code) => handlers.signals.get(code),
        None => handlers.display.as_ref(),
    };
    match (program, cmd.signal_code()) {
        (Some(p), _) => Action::Run { program: p.clone(), stop_first: running.is_some() },
        (None, _) if cmd.is_cancel() => Action::Stop,
        (None, Some(code)) => Action::Fail(format!("no program is configured for the signal {code}")),
        (None, None) => Action::Fail("no program is configured for commands without a signal".into()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn handlers() -> Handlers {
        Handlers {
            signals: [("sk-general-danger", "sound general"), ("sk-end-of-danger", "sound end")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .into(),
            display: None,
        }
    }

    fn cmd(msg_type: &str, signal: Option<&str>) -> Command {
        let signal = signal.map(|code| json!({ "code": code, "seconds": 120 }));
        Command::parse(json!({ "id": 1, "thread": "t", "msgType": msg_type, "signal": signal })).unwrap()
    }

    #[test]
    fn a_repeated_signal_on_the_thread_joins_and_another_restarts() {
        let h = handlers();
        let general = Some("sk-general-danger");
        assert_eq!(decide(&h, Some(general), &cmd("Update", general)), Action::Join);
        assert_eq!(
            decide(&h, None, &cmd("Update", general)),
            Action::Run { program: "sound general".into(), stop_first: false }
        );
        assert_eq!(
            decide(&h, Some(Some("sk-end-of-danger")), &cmd("Update", general)),
            Action::Run { program: "sound general".into(), stop_first: true }
        );
    }

    #[test]
    fn a_cancel_stops_and_sounds_the_end_signal_when_configured() {
        let h = handlers();
        let running = Some(Some("sk-general-danger"));
        assert_eq!(
            decide(&h, running, &cmd("Cancel", Some("sk-end-of-danger"))),
            Action::Run { program: "sound end".into(), stop_first: true }
        );
        assert_eq!(decide(&h, running, &cmd("Cancel", None)), Action::Stop);
        assert_eq!(decide(&h, running, &cmd("Cancel", Some("pl-all-clear"))), Action::Stop);
    }

    #[test]
    fn an_unconfigured_signal_fails() {
        let h = handlers();
        assert!(matches!(decide(&h, None, &cmd("Alert", Some("pl-alarm"))), Action::Fail(r) if r.contains("pl-alarm")));
        assert!(matches!(decide(&h, None, &cmd("Alert", None)), Action::Fail(_)));
        let display = Handlers { display: Some("show".into()), ..handlers() };
        assert_eq!(
            decide(&display, None, &cmd("Alert", None)),
            Action::Run { program: "show".into(), stop_first: false }
        );
    }
}
