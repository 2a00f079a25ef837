//! The request pipelining window: calls and reads are sent without waiting for
//! earlier answers, at most [`CAPACITY`] at a time, and their answers are read
//! back oldest first, each with what is needed to judge it.

use std::collections::VecDeque;

use wasm_compat_protocol::Request;

use crate::adapter::{Engine, Exchange};

/// Requests in flight at most: enough to hide the round trip, few enough that
/// neither pipe can fill up and stall both processes.
pub(super) const CAPACITY: usize = 64;

/// Answers settled at a time when the window is full.
pub(super) const REFILL: usize = CAPACITY / 4;

/// Requests sent and not yet answered, oldest first, each with its pending `P`.
pub(super) struct Window<P> {
    in_flight: VecDeque<P>,
    capacity: usize,
}

impl<P> Window<P> {
    pub(super) fn new() -> Self {
        Window::with_capacity(CAPACITY)
    }

    pub(super) fn with_capacity(capacity: usize) -> Self {
        Window {
            in_flight: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// No more may be sent before the oldest is settled.
    pub(super) fn is_full(&self) -> bool {
        self.in_flight.len() >= self.capacity
    }

    pub(super) fn is_empty(&self) -> bool {
        self.in_flight.is_empty()
    }

    /// Send `request` without waiting; `pending` comes back with its answer
    /// from [`Window::settle`]. The caller settles first when the window is full.
    pub(super) fn send(&mut self, engine: &mut dyn Engine, request: &Request, pending: P) {
        debug_assert!(!self.is_full(), "settle before sending into a full window");
        engine.send(request);
        self.in_flight.push_back(pending);
    }

    /// The oldest request in flight and its answer, read from `engine`; with no
    /// engine (its process is gone) no answer is read: `None` beside it.
    pub(super) fn settle(
        &mut self,
        engine: Option<&mut dyn Engine>,
    ) -> Option<(P, Option<Exchange>)> {
        let pending = self.in_flight.pop_front()?;
        Some((pending, engine.map(|e| e.receive())))
    }

    /// Settle everything in flight: each pending with its answer, oldest
    /// first. An answer that is not a reply (crash, timeout, protocol error,
    /// memory limit) means the process is gone: no answer is read after it, nor
    /// at all when the engine is not `alive` to begin with.
    pub(super) fn flush(
        &mut self,
        engine: &mut dyn Engine,
        mut alive: bool,
    ) -> Vec<(P, Option<Exchange>)> {
        let mut settled = Vec::with_capacity(self.in_flight.len());
        while let Some((pending, answer)) = self.settle(alive.then_some(&mut *engine)) {
            alive = matches!(answer, Some(Exchange::Reply(_)));
            settled.push((pending, answer));
        }
        settled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interp::fake::{crash, ok, ScriptedEngine};
    use wasm_compat_protocol::{Reply, Value};

    fn invoke(n: u32) -> Request {
        Request::Invoke {
            instance: 0,
            export: format!("f{n}"),
            args: Vec::new(),
        }
    }

    /// An engine answering each call with the number in its export's name.
    fn echo() -> ScriptedEngine {
        ScriptedEngine::new(|request| match request {
            Request::Invoke { export, .. } => {
                let n: u32 = export[1..].parse().unwrap();
                answer(n)
            }
            _ => ok(Reply::Done),
        })
    }

    fn answer(n: u32) -> Exchange {
        ok(Reply::Values(vec![Value::I32(n)]))
    }

    #[test]
    fn answers_come_back_oldest_first_with_their_pending() {
        let mut engine = echo();
        let mut window = Window::with_capacity(3);
        for n in 0..3 {
            window.send(&mut engine, &invoke(n), n);
        }
        assert!(window.is_full());
        for n in 0..3 {
            let (pending, got) = window.settle(Some(&mut engine)).unwrap();
            assert_eq!(pending, n);
            assert_eq!(got, Some(answer(n)));
        }
        assert!(window.is_empty());
        assert!(window.settle(Some(&mut engine)).is_none());
    }

    #[test]
    fn the_window_holds_sixty_four_requests() {
        let mut engine = echo();
        let mut window = Window::new();
        for n in 0..200 {
            if window.is_full() {
                window.settle(Some(&mut engine));
            }
            window.send(&mut engine, &invoke(n), n);
        }
        assert_eq!(engine.most_in_flight(), CAPACITY);
        let rest: Vec<u32> = window
            .flush(&mut engine, true)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(rest, (200 - CAPACITY as u32..200).collect::<Vec<_>>());
        assert!(window.is_empty());
    }

    #[test]
    fn after_a_dead_engine_no_answer_is_read() {
        let mut engine = echo().dying_at(2);
        let mut window = Window::new();
        for n in 0..4 {
            window.send(&mut engine, &invoke(n), n);
        }
        let settled = window.flush(&mut engine, true);
        assert_eq!(
            settled,
            [
                (0, Some(answer(0))),
                (1, Some(crash())),
                (2, None),
                (3, None)
            ]
        );
        window.send(&mut engine, &invoke(4), 4);
        assert_eq!(window.flush(&mut engine, false), [(4, None)]);
    }
}
