//! Progress bars on a terminal, plain lines elsewhere.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::engine_id::EngineId;

/// Whether stderr is a terminal (bars and colour are drawn only then).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// A bar for one adapter build of about `units` `what` (crates, steps);
/// `estimate` is what earlier builds of the family took, in seconds.
pub fn build_bar(
    enabled: bool,
    id: &EngineId,
    units: u64,
    what: &str,
    estimate: Option<f64>,
) -> ProgressBar {
    let expected = match estimate {
        Some(secs) => format!("earlier {} builds took about {secs:.0} s", id.engine),
        None => "this can take minutes".to_string(),
    };
    if !enabled {
        eprintln!("wasm-compat: building adapter {id} ({units} {what}, {expected})");
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(units), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{prefix:>24} [{bar:30}] {pos}/{len} {elapsed} {wide_msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(format!("building {id}"));
    bar.set_message(expected);
    bar
}

/// Say that an adapter build finished, and how long it took (on a terminal
/// too: the build's bar is cleared when it ends).
pub fn build_done(engine: &str, version: &str, secs: f64) {
    eprintln!("wasm-compat: built adapter {engine}@{version} in {secs:.0} s");
}

/// A bar for running `total` trials.
pub fn run_bar(enabled: bool, total: u64) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {elapsed} {wide_msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix("running");
    bar
}
