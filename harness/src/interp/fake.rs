//! A scripted engine for unit tests: it answers each request from a closure,
//! keeps what it was sent, and can die at a chosen request, so the interpreter
//! is tested in milliseconds without building an adapter.

use std::collections::VecDeque;

use wasm_compat_protocol::{Reply, Request, Response};

use crate::adapter::{Engine, Exchange};

/// How the scripted engine answers one request.
type Script = Box<dyn FnMut(&Request) -> Exchange>;

/// An [`Engine`] whose answers come from a script.
pub struct ScriptedEngine {
    script: Script,
    /// The 1-based request at which the engine dies (answers `Crash` to it and
    /// to everything after).
    dies_at: Option<usize>,
    /// Answers sent but not yet received, oldest first.
    answers: VecDeque<Exchange>,
    /// Every request sent, in order.
    pub requests: Vec<Request>,
    /// For each request sent, how many earlier ones were still unanswered.
    pub in_flight_before: Vec<usize>,
}

impl ScriptedEngine {
    /// An engine answering each request with `script(request)`.
    pub fn new(script: impl FnMut(&Request) -> Exchange + 'static) -> Self {
        ScriptedEngine {
            script: Box::new(script),
            dies_at: None,
            answers: VecDeque::new(),
            requests: Vec::new(),
            in_flight_before: Vec::new(),
        }
    }

    /// An engine that answers `done` to everything.
    pub fn done() -> Self {
        ScriptedEngine::new(|_| ok(Reply::Done))
    }

    /// An engine that answers requests from `answers` in order, then `done`.
    pub fn replying(answers: Vec<Exchange>) -> Self {
        let mut answers = VecDeque::from(answers);
        ScriptedEngine::new(move |_| answers.pop_front().unwrap_or(ok(Reply::Done)))
    }

    /// The same engine, dying at its `n`th request (1-based).
    pub fn dying_at(mut self, n: usize) -> Self {
        self.dies_at = Some(n);
        self
    }
}

/// A successful answer.
pub fn ok(reply: Reply) -> Exchange {
    Exchange::Reply(Response::Ok(reply))
}

/// The answer of an engine that is gone.
pub fn crash() -> Exchange {
    Exchange::Crash {
        status: "signal 9".into(),
        stderr: String::new(),
    }
}

impl ScriptedEngine {
    /// The most requests that were ever in flight at once.
    pub fn most_in_flight(&self) -> usize {
        self.in_flight_before
            .iter()
            .map(|n| n + 1)
            .max()
            .unwrap_or(0)
    }
}

impl Engine for ScriptedEngine {
    fn send(&mut self, request: &Request) {
        self.in_flight_before.push(self.answers.len());
        self.requests.push(request.clone());
        let dead = self.dies_at.is_some_and(|n| self.requests.len() >= n);
        let answer = if dead {
            crash()
        } else {
            (self.script)(request)
        };
        self.answers.push_back(answer);
    }

    fn receive(&mut self) -> Exchange {
        self.answers.pop_front().unwrap_or_else(crash)
    }
}
