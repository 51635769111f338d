//! muster-route: gives each task a role by ordered rules (DESIGN.md
//! section 5; users read `docs/route.md`).
//!
//! Data flows one way: [`rules`] holds the built-in rules and compiles a
//! `muster.roles/v1` (from `--rules FILE`, the `route` section of
//! muster.json, or the defaults) into [`rules::Rules`]; [`route`] checks a
//! `muster.tasks/v1` and scores every rule against every task without a role
//! (pure, no I/O), setting `role` and `routing: {rule, score, matched}`;
//! [`cmd`] is the thin shell that reads and writes.
//!
//! ```
//! use muster_router::{route, rules};
//! use muster_shared::schema::Tasks;
//!
//! let mut tasks: Tasks = muster_shared::doc::parse(
//!     br#"{"schema": "muster.tasks/v1", "tasks": [{"id": "T1", "goal": "fix the flaky auth test"}]}"#,
//!     "<stdin>",
//! )
//! .unwrap();
//! let rules = rules::compile(&rules::defaults(), "built-in rules: ").unwrap();
//! route::route(&mut tasks, &rules, "<stdin>").unwrap();
//! let t = &tasks.tasks[0];
//! assert_eq!(t.role.as_deref(), Some("tester"));
//! let routing = t.routing.as_ref().unwrap();
//! assert_eq!(routing.rule, "rules[5]");
//! assert_eq!(routing.score, 2.0);
//! assert_eq!(routing.matched, ["keywords:test", "keywords:flaky"]);
//! ```

pub mod cmd;
pub mod route;
pub mod rules;
