#!/usr/bin/env bash
# Regenerates the example CI files from examples/plan/tasks.json. The test
# planner/tests/export.rs (examples_ci_are_current_and_valid) holds them to
# exactly what this makes, and validates them (check-jsonschema, actionlint).
#
# The jobs build muster from its source vendored at ./muster in your
# repository (`git submodule add <muster's repository> muster`); change the
# --setup lines to install it another way.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${MUSTER_BIN_DIR:-$here/../../target/debug}
"$bin/muster-plan" -i "$here/../plan/tasks.json" > "$here/muster-plan.json"
build='cargo build --release --locked --manifest-path muster/Cargo.toml'
"$bin/muster-plan" export --format github-actions -i "$here/muster-plan.json" \
    --setup "$build" --setup 'echo "$PWD/muster/target/release" >> "$GITHUB_PATH"' \
    > "$here/github-actions.yml"
"$bin/muster-plan" export --format gitlab -i "$here/muster-plan.json" \
    --setup "$build" --setup 'export PATH="$PWD/muster/target/release:$PATH"' \
    > "$here/gitlab-ci.yml"
"$bin/muster-plan" export --format make -i "$here/muster-plan.json" > "$here/muster.mk"
