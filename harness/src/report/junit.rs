//! The JUnit XML report: one test suite per `engine@version` (or version pair),
//! one test case per cell, so CI systems show each cell as a test.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Result;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestRerun, TestSuite};

use super::{transcript, Table};
use crate::results::{Flake, Status};

/// Render the JUnit XML of `table`.
pub fn render(table: &Table) -> Result<String> {
    let mut report = Report::new("wasm-compat");
    let mut suites: BTreeMap<String, TestSuite> = BTreeMap::new();
    for r in table.cells.values() {
        let suite_name = r.cell().engine_label();
        let suite = suites
            .entry(suite_name.clone())
            .or_insert_with(|| TestSuite::new(suite_name));
        let mut status = match r.status {
            Status::Pass | Status::KnownFailure => TestCaseStatus::success(),
            Status::Unsupported => {
                let mut s = TestCaseStatus::skipped();
                if let Some(reason) = &r.reason {
                    s.set_message(reason.clone());
                }
                s
            }
            Status::Crash | Status::Timeout | Status::Error => {
                TestCaseStatus::non_success(NonSuccessKind::Error)
            }
            Status::Fail | Status::Xpass => TestCaseStatus::non_success(NonSuccessKind::Failure),
            // Passed on its second run: a success with its first run as a
            // `flakyFailure`, as test runners with retries report it.
            Status::Flaky => {
                let mut s = TestCaseStatus::success();
                if let Some(flake) = &r.flaky {
                    s.add_rerun(first_run(flake));
                }
                s
            }
        };
        if let TestCaseStatus::NonSuccess { .. } = status {
            let reason = r.reason.clone().unwrap_or_default();
            let first: String = reason
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(300)
                .collect();
            status.set_message(first);
            status.set_type(r.status.short());
            status.set_description(transcript(r));
        }
        let mut case = TestCase::new(r.case.clone(), status);
        case.set_classname(r.area());
        case.set_time(Duration::from_millis(r.duration_ms));
        case.set_assertions(r.assertion_counts().1);
        suite.add_test_case(case);
    }
    report.add_test_suites(suites.into_values());
    Ok(report.to_string()?)
}

/// The first run of a flaky cell as a JUnit rerun: its status, why, and the
/// records that differ from the second run's.
fn first_run(flake: &Flake) -> TestRerun {
    let kind = match flake.first {
        Status::Fail | Status::Xpass => NonSuccessKind::Failure,
        _ => NonSuccessKind::Error,
    };
    let mut rerun = TestRerun::new(kind);
    rerun.set_type(flake.first.short());
    if let Some(why) = &flake.first_reason {
        rerun.set_message(why.lines().next().unwrap_or("").to_string());
    }
    rerun.set_description(crate::snapshot::render(&flake.first_directives));
    rerun
}
