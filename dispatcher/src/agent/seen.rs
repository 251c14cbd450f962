//! The commands the agent has already taken on, so that a command listed again (each poll lists
//! what still runs) or after a restart (with a state file) is not run twice.

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;

/// How many command ids are remembered: far more than a device is ever given at once.
const REMEMBER: usize = 1000;

/// The command ids taken on, the newest last; saved to a file when one is given.
pub struct Seen {
    order: VecDeque<i64>,
    ids: HashSet<i64>,
    file: Option<PathBuf>,
}

impl Seen {
    /// Loads the ids saved in `file` (none when it does not exist yet).
    pub fn load(file: Option<PathBuf>) -> anyhow::Result<Seen> {
        let order: VecDeque<i64> = match &file {
            Some(path) if path.exists() => {
                let text = std::fs::read_to_string(path)?;
                serde_json::from_str::<Vec<i64>>(&text)
                    .map_err(|e| anyhow::anyhow!("the state file {} is not a list of ids: {e}", path.display()))?
                    .into()
            }
            _ => VecDeque::new(),
        };
        let ids = order.iter().copied().collect();
        Ok(Seen { order, ids, file })
    }

    /// Whether the command was taken on before.
    pub fn contains(&self, id: i64) -> bool {
        self.ids.contains(&id)
    }

    /// Remembers a command, and saves the list before the command runs, so that a crash in
    /// between cannot run it twice.
    pub fn insert(&mut self, id: i64) -> std::io::Result<()> {
        if !self.ids.insert(id) {
            return Ok(());
        }
        self.order.push_back(id);
        while self.order.len() > REMEMBER {
            if let Some(old) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
        self.save()
    }

    fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.file else { return Ok(()) };
        let json = serde_json::to_vec(&self.order).map_err(std::io::Error::other)?;
        // Written beside and renamed, so that a crash leaves the old list or the new one.
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, json)?;
        std::fs::rename(tmp, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_survive_a_restart_and_old_ones_are_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("agent.json");
        let mut s = Seen::load(Some(file.clone())).unwrap();
        s.insert(7).unwrap();
        s.insert(7).unwrap();
        s.insert(8).unwrap();
        let mut again = Seen::load(Some(file.clone())).unwrap();
        assert!(again.contains(7) && again.contains(8) && !again.contains(9));
        for id in 100..100 + REMEMBER as i64 {
            again.insert(id).unwrap();
        }
        let last = Seen::load(Some(file)).unwrap();
        assert!(!last.contains(7) && last.contains(100) && last.order.len() == REMEMBER);
    }

    #[test]
    fn a_broken_state_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("agent.json");
        std::fs::write(&file, "{").unwrap();
        assert!(Seen::load(Some(file)).is_err());
    }
}
