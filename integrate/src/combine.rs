//! Combining a set of taken tasks onto the base: the files two
//! `write-shared` tasks both edited merged three-way ([`crate::merge3`]),
//! everything else applied by git on a scratch index ([`crate::apply`]).
//! What [`crate::integrate`] calls for the result and for each prefix
//! `--bisect` checks.

use crate::apply::{self, Part};
use crate::change;
use crate::integrate::{Candidate, Options};
use crate::merge3::{self, Merged};
use anyhow::Result;
use std::collections::BTreeSet;
use std::path::Path;

/// What combining a set of tasks gave.
pub(crate) enum Combined {
    /// Everything applied: the index holds the combined tree.
    Tree,
    /// The three-way merge of `path` conflicts when task `k` is merged.
    Conflict {
        k: usize,
        ranges: Vec<[u64; 2]>,
        path: String,
    },
    /// git refused these patches.
    Refused(Vec<apply::Refused>),
}

/// Combines the `taken` candidates onto the base in the scratch `index`:
/// the write-shared paths merged three-way, everything else applied by git.
pub(crate) fn combine(
    o: &Options,
    candidates: &[Candidate],
    taken: &BTreeSet<usize>,
    shared: &BTreeSet<String>,
    index: &Path,
) -> Result<Combined> {
    let merged = match merge_shared(o, candidates, taken, shared)? {
        Ok(merged) => merged,
        Err((k, ranges, path)) => return Ok(Combined::Conflict { k, ranges, path }),
    };
    let merged_paths: BTreeSet<&str> = merged.iter().map(|m| m.0.as_str()).collect();
    let parts: Vec<Part> = taken
        .iter()
        .map(|&k| part(&candidates[k], &o.tasks[candidates[k].at].id, &merged_paths))
        .collect();
    let refused = apply::apply(&o.repo, &o.base, &parts, index)?;
    if !refused.is_empty() {
        return Ok(Combined::Refused(refused));
    }
    for (path, mode, blob) in &merged {
        apply::set(&o.repo, index, mode, blob, path)?;
    }
    Ok(Combined::Tree)
}

/// A merged write-shared file: path, mode, blob.
type MergedFile = (String, String, String);

/// Merges each shared path the taken tasks edit, in order, three-way over
/// the base. Ok(Err) names the first task whose merge conflicts, its hunks
/// and the path.
#[allow(clippy::type_complexity)]
fn merge_shared(
    o: &Options,
    candidates: &[Candidate],
    taken: &BTreeSet<usize>,
    shared: &BTreeSet<String>,
) -> Result<Result<Vec<MergedFile>, (usize, Vec<[u64; 2]>, String)>> {
    let mut out = Vec::new();
    for path in shared {
        let editors: Vec<usize> = taken
            .iter()
            .copied()
            .filter(|&k| {
                candidates[k]
                    .patch
                    .sections
                    .iter()
                    .any(|s| &s.file.path == path)
            })
            .collect();
        if editors.len() < 2 {
            continue;
        }
        let theirs_index = o.work.join("theirs.index");
        apply::reset(&o.repo, &o.base, &theirs_index)?;
        let Some((base_mode, base_blob)) = apply::entry(&o.repo, &theirs_index, path)? else {
            anyhow::bail!("{path:?}: edited by tasks but not in the base");
        };
        let (mut mode, mut ours) = (base_mode.clone(), base_blob.clone());
        for k in editors {
            let c = &candidates[k];
            let only: Vec<u8> = c
                .patch
                .sections
                .iter()
                .filter(|s| &s.file.path == path)
                .flat_map(|s| c.patch.bytes(s).to_vec())
                .collect();
            let one = Part {
                task: o.tasks[c.at].id.clone(),
                patch: only,
                paths: vec![path.clone()],
            };
            let refused = apply::apply(&o.repo, &o.base, &[one], &theirs_index)?;
            if !refused.is_empty() {
                // git refuses it alone too: the apply step reports it.
                continue;
            }
            let Some((their_mode, theirs)) = apply::entry(&o.repo, &theirs_index, path)? else {
                continue;
            };
            if their_mode != base_mode {
                mode = their_mode;
            }
            match merge3::merge3(&o.repo, &o.work, path, &base_blob, &ours, &theirs)? {
                Merged::Clean { blob } => ours = blob,
                Merged::Conflicts(ranges) => return Ok(Err((k, ranges, path.clone()))),
            }
        }
        out.push((path.clone(), mode, ours));
    }
    Ok(Ok(out))
}

/// A candidate's patch without the sections of `merged` paths.
fn part(c: &Candidate, task: &str, merged: &BTreeSet<&str>) -> Part {
    let keep: Vec<&change::Section> = c
        .patch
        .sections
        .iter()
        .filter(|s| !merged.contains(s.file.path.as_str()))
        .collect();
    Part {
        task: task.to_string(),
        patch: keep
            .iter()
            .flat_map(|s| c.patch.bytes(s).to_vec())
            .collect(),
        paths: keep
            .iter()
            .flat_map(|s| std::iter::once(s.file.path.clone()).chain(s.file.old_path.clone()))
            .collect(),
    }
}
