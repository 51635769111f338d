//! Config layering: defaults < `muster.json` < `MUSTER_<SECTION>_<KEY>` < flags.
//!
//! `muster.json` sits at the repo root (or is named with `--config FILE`) and
//! has one object per tool: `route`, `plan`, `run`, `scope`, `integrate`,
//! `gate`, `ledger`. A tool reads its own section strictly: an unknown key is an
//! error naming `muster.json: ledger.pth`. An environment variable
//! `MUSTER_LEDGER_PATH` sets key `path` of section `ledger`; its value is read as
//! JSON when the key's default is not a string (`MUSTER_RUN_MAX_OUTSTANDING=4`),
//! else taken as it is. Flags are applied last, by the tool.
//!
//! The state directory is `.muster/` at the repo root, or `MUSTER_HOME`.

use anyhow::{bail, Context, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The sections a `muster.json` may have.
pub const SECTIONS: &[&str] = &[
    "route",
    "plan",
    "run",
    "scope",
    "integrate",
    "gate",
    "ledger",
];

/// The repo root: the nearest directory at or above `start` holding `.git`,
/// else `start` itself.
pub fn repo_root(start: &Path) -> PathBuf {
    let mut dir = start;
    loop {
        if dir.join(".git").exists() {
            return dir.to_path_buf();
        }
        match dir.parent() {
            Some(p) => dir = p,
            None => return start.to_path_buf(),
        }
    }
}

/// The state directory: `MUSTER_HOME` when set, else `<repo root>/.muster`.
pub fn state_dir(env: &BTreeMap<String, String>, cwd: &Path) -> PathBuf {
    match env.get("MUSTER_HOME") {
        Some(h) if !h.is_empty() => PathBuf::from(h),
        _ => repo_root(cwd).join(".muster"),
    }
}

/// Creates the state directory if needed, with a `.gitignore` of `*` so its
/// contents never show as untracked.
pub fn ensure_state_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        crate::io::write_atomic(&ignore, b"*\n")?;
    }
    Ok(())
}

/// The process environment's `MUSTER_*` and `SOURCE_DATE_EPOCH` variables.
pub fn process_env() -> BTreeMap<String, String> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("MUSTER_") || k == "SOURCE_DATE_EPOCH")
        .collect()
}

/// Loads section `section` over `T::default()`: from the config file (the
/// explicit one, else `muster.json` at the repo root when present), then the
/// environment. The caller applies its flags on top.
pub fn load_section<T>(
    section: &str,
    explicit: Option<&Path>,
    env: &BTreeMap<String, String>,
    cwd: &Path,
) -> Result<T>
where
    T: DeserializeOwned + Serialize + Default,
{
    let mut value = serde_json::to_value(T::default()).context("config defaults")?;
    let (file, required) = match explicit {
        Some(p) => (p.to_path_buf(), true),
        None => (repo_root(cwd).join("muster.json"), false),
    };
    if required || file.exists() {
        let name = file.display().to_string();
        let bytes = std::fs::read(&file).with_context(|| format!("reading config {name}"))?;
        let doc: Value =
            serde_json::from_slice(&bytes).with_context(|| format!("{name}: not JSON"))?;
        let Value::Object(top) = doc else {
            bail!(
                "{name}: expected an object with sections {}",
                SECTIONS.join(", ")
            );
        };
        for key in top.keys() {
            if key != "schema" && !SECTIONS.contains(&key.as_str()) {
                bail!(
                    "{name}: unknown section {key:?}; sections are {}",
                    SECTIONS.join(", ")
                );
            }
        }
        if let Some(v) = top.get(section) {
            overlay(&mut value, v, &format!("{name}: {section}"))?;
        }
    }
    if let Value::Object(map) = &mut value {
        for (key, slot) in map.iter_mut() {
            let var = format!("MUSTER_{}_{}", section, key).to_ascii_uppercase();
            if let Some(raw) = env.get(&var) {
                *slot = match slot {
                    Value::String(_) => Value::String(raw.clone()),
                    _ => serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.clone())),
                };
            }
        }
    }
    serde_path_to_error::deserialize(value)
        .map_err(|e| anyhow::anyhow!("config {section}.{}: {}", e.path(), e.inner()))
}

fn overlay(base: &mut Value, over: &Value, at: &str) -> Result<()> {
    let (Value::Object(b), Value::Object(o)) = (&mut *base, over) else {
        bail!("{at}: expected an object");
    };
    for (k, v) in o {
        match b.get_mut(k) {
            Some(slot) => *slot = v.clone(),
            None => {
                let known: Vec<&str> = b.keys().map(String::as_str).collect();
                bail!("{at}.{k}: unknown key; known keys are {}", known.join(", "));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Demo {
        path: String,
        max: u32,
        fsync: bool,
    }
    impl Default for Demo {
        fn default() -> Self {
            Demo {
                path: "default".into(),
                max: 1,
                fsync: true,
            }
        }
    }

    #[test]
    fn layers_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        let env = BTreeMap::new();
        let d: Demo = load_section("ledger", None, &env, &sub).unwrap();
        assert_eq!(d, Demo::default());

        std::fs::write(
            dir.path().join("muster.json"),
            r#"{"ledger": {"path": "file", "max": 3}, "run": {}}"#,
        )
        .unwrap();
        let d: Demo = load_section("ledger", None, &env, &sub).unwrap();
        assert_eq!(
            d,
            Demo {
                path: "file".into(),
                max: 3,
                fsync: true
            }
        );

        let env: BTreeMap<_, _> = [
            ("MUSTER_LEDGER_MAX".to_string(), "7".to_string()),
            ("MUSTER_LEDGER_PATH".to_string(), "7".to_string()),
        ]
        .into();
        let d: Demo = load_section("ledger", None, &env, &sub).unwrap();
        assert_eq!(
            d,
            Demo {
                path: "7".into(),
                max: 7,
                fsync: true
            }
        );
    }

    #[test]
    fn strict_about_keys_and_sections() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.json");
        std::fs::write(&f, r#"{"ledger": {"pth": "x"}}"#).unwrap();
        let e = load_section::<Demo>("ledger", Some(&f), &BTreeMap::new(), dir.path()).unwrap_err();
        assert!(
            format!("{e:#}").contains("ledger.pth: unknown key"),
            "{e:#}"
        );
        std::fs::write(&f, r#"{"ledgr": {}}"#).unwrap();
        let e = load_section::<Demo>("ledger", Some(&f), &BTreeMap::new(), dir.path()).unwrap_err();
        assert!(format!("{e:#}").contains("unknown section \"ledgr\""));
        let env: BTreeMap<_, _> = [("MUSTER_LEDGER_MAX".to_string(), "many".to_string())].into();
        let e = load_section::<Demo>("ledger", None, &env, dir.path()).unwrap_err();
        assert!(format!("{e:#}").starts_with("config ledger.max:"), "{e:#}");
        assert!(load_section::<Demo>(
            "ledger",
            Some(&dir.path().join("none.json")),
            &BTreeMap::new(),
            dir.path()
        )
        .is_err());
    }

    #[test]
    fn state_dir_honours_muster_home() {
        let env: BTreeMap<_, _> = [("MUSTER_HOME".to_string(), "/x/y".to_string())].into();
        assert_eq!(state_dir(&env, Path::new("/tmp")), PathBuf::from("/x/y"));
        let dir = tempfile::tempdir().unwrap();
        ensure_state_dir(&dir.path().join(".muster")).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join(".muster/.gitignore")).unwrap(),
            b"*\n"
        );
    }
}
