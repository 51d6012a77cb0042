//! Handles one connection's events in the order they arrived.
//!
//! socketioxide runs every event handler as its own task, and tasks can start
//! in any order; a relayed `offer` overtaken by its own `ice-candidate`s, or a
//! `join` overtaken by the `cut-the-call` that followed it, would break the
//! call. Each event takes a ticket as it is read off the connection (which
//! happens in order) and waits for its turn before doing anything.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

#[derive(Default)]
pub struct Sequencer {
    issued: AtomicU64,
    line: Mutex<Line>,
    turn_changed: Notify,
}

#[derive(Default)]
struct Line {
    /// The ticket whose turn it is.
    serving: u64,
    /// Tickets given up before their turn came, to be skipped.
    abandoned: BTreeSet<u64>,
}

/// A place in the line. Dropping it, after the work or on any early return,
/// lets the next ticket go.
pub struct Ticket {
    sequencer: Arc<Sequencer>,
    number: u64,
}

impl Sequencer {
    /// Takes the next place in line; call it in arrival order.
    pub fn ticket(self: &Arc<Self>) -> Ticket {
        Ticket {
            sequencer: Arc::clone(self),
            number: self.issued.fetch_add(1, Ordering::Relaxed),
        }
    }

    fn serving(&self) -> u64 {
        self.line.lock().unwrap_or_else(PoisonError::into_inner).serving
    }

    fn release(&self, number: u64) {
        let mut line = self.line.lock().unwrap_or_else(PoisonError::into_inner);
        if number == line.serving {
            line.serving += 1;
            loop {
                let next = line.serving;
                if !line.abandoned.remove(&next) {
                    break;
                }
                line.serving += 1;
            }
            drop(line);
            self.turn_changed.notify_waiters();
        } else if number > line.serving {
            line.abandoned.insert(number);
        }
    }
}

impl Ticket {
    /// Waits until every earlier ticket is done.
    pub async fn turn(&self) {
        // Usually the line is empty: no need to register for a wake-up.
        if self.sequencer.serving() == self.number {
            return;
        }
        loop {
            let changed = self.sequencer.turn_changed.notified();
            tokio::pin!(changed);
            // Registers interest before checking, so a release in between is
            // not missed.
            changed.as_mut().enable();
            if self.sequencer.serving() == self.number {
                return;
            }
            changed.await;
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.sequencer.release(self.number);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn work_runs_in_ticket_order_whatever_order_tasks_start() {
        let sequencer = Arc::new(Sequencer::default());
        let log = Arc::new(Mutex::new(Vec::new()));
        let tickets: Vec<Ticket> = (0..50).map(|_| sequencer.ticket()).collect();
        let mut tasks = Vec::new();
        // Start them backwards, the later ones sleeping less.
        for (i, ticket) in tickets.into_iter().enumerate().rev() {
            let log = Arc::clone(&log);
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep(Duration::from_micros((50 - i as u64) * 20)).await;
                ticket.turn().await;
                log.lock().unwrap().push(i);
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*log.lock().unwrap(), (0..50).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_ticket_given_up_before_its_turn_is_skipped() {
        let sequencer = Arc::new(Sequencer::default());
        let first = sequencer.ticket();
        let second = sequencer.ticket();
        let third = sequencer.ticket();
        drop(second);
        drop(first);
        tokio::time::timeout(Duration::from_secs(1), third.turn())
            .await
            .expect("third ticket gets its turn");
    }

    #[tokio::test]
    async fn an_early_return_releases_the_next_ticket() {
        let sequencer = Arc::new(Sequencer::default());
        let first = sequencer.ticket();
        let second = sequencer.ticket();
        first.turn().await;
        drop(first);
        tokio::time::timeout(Duration::from_secs(1), second.turn())
            .await
            .expect("second ticket gets its turn");
    }
}
