#!/bin/sh
# The example coding agent of `make demo`: muster-run starts it as
# `run.worker` (`textkit-agent.sh {task_id}`) in the task's worktree of the
# textkit project (examples/project), stdin closed, MUSTER_* in its
# environment. It makes real edits, chosen by the task id, and one of each
# kind of trouble:
#
#   words    adds count_words to lib/count.sh, its test, a CHANGELOG line
#   shout    adds shout to lib/upper.sh, its test, a CHANGELOG line
#            (words and shout both edit CHANGELOG.md: an overlap)
#   slug     fixes slug for runs of dashes, and also edits bin/textkit,
#            which its task may not touch (a scope violation)
#   docs     works for ever, printing (its timeout stops it)
#   explore  goes silent for ever (the stuck watchdog stops it)
#
# A real agent reads $MUSTER_BRIEF and edits the worktree the same way.
set -eu
changelog() { printf -- '- %s\n' "$1" >> CHANGELOG.md; }
case ${1:?task id} in
    words)
        cat >> lib/count.sh <<'SH'

# count_words TEXT: how many words (blank-separated) TEXT has.
count_words() {
    printf '%s\n' "$1" | wc -w | tr -d ' '
}
SH
        printf '%s\n' '. "$here/lib/count.sh"' 'check "words" "3" "$(count_words "one two  three")"' > tests/test_words.sh
        changelog "count_words: count the words of a text"
        ;;
    shout)
        cat >> lib/upper.sh <<'SH'

# shout TEXT: TEXT in capitals, with an exclamation mark.
shout() {
    printf '%s!\n' "$(upper "$1")"
}
SH
        printf '%s\n' '. "$here/lib/upper.sh"' 'check "shout" "HEY!" "$(shout hey)"' > tests/test_shout.sh
        changelog "shout: capitals and an exclamation mark"
        ;;
    slug)
        printf '%s\n' 'check "slug dashes" "a-b" "$(sh "$here/bin/textkit" slug "a -- b")"' > tests/test_slug_dashes.sh
        echo '# slug: see lib/slug.sh' >> bin/textkit
        ;;
    docs) while :; do echo "still writing the docs"; sleep 1; done ;;
    explore) sleep 3600 ;;
    *) echo "textkit-agent: no work for task $1" >&2; exit 64 ;;
esac
echo "task $1: edited $(git status --porcelain | wc -l | tr -d ' ') files"
