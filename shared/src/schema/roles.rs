//! `muster.roles/v1`: the router's ordered rules (DESIGN.md section 3).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Ordered rules that give each task a role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// Always `muster.roles/v1`.
    pub schema: String,
    /// The rules, in order: on a tie in score the earlier rule wins.
    pub rules: Vec<RoleRule>,
    /// The role of a task no rule matches.
    pub default_role: String,
}

/// One rule: a role and what makes a task match it. A rule with several
/// kinds of condition matches when each given kind matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRule {
    /// The role it gives.
    pub role: String,
    /// Any of these words in the goal (whole words, case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<String>>,
    /// All of these words in the goal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_keywords: Option<Vec<String>>,
    /// A regex the goal must match (Rust regex syntax).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// Globs: some path of the task's touches must be one they match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub touches: Option<Vec<String>>,
    /// Multiplies the score (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
}

impl super::Document for Roles {
    const SCHEMA: &'static str = "muster.roles/v1";

    fn schema_field(&self) -> Option<&str> {
        Some(&self.schema)
    }
}
