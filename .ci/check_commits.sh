#!/usr/bin/env bash
# Every commit after BASE has a subject of at most 72 characters (CONTRIBUTING.md, issue 27), so
# that `git log --oneline` stays readable. Older subjects are history and are not checked.
#
# A clone without BASE (a shallow one, as some CI checkouts make, or an export without .git)
# cannot tell which commits are new: it says so and passes; `git fetch --unshallow` fixes it.
set -euo pipefail
cd "$(dirname "$0")/.."

# main's HEAD when this check began (2026-12-07, "Test the city's reply names without the
# suite's channel variables"): the commits after it are the ones checked.
BASE=dbc97be651dafba9e817661aea4fb6a5d6c1e9c5
MAX=72
export LC_ALL=C.UTF-8   # count characters, not bytes, in a Chinese subject

if ! git rev-parse --git-dir >/dev/null 2>&1; then
  echo "check_commits: not a git checkout; commit subjects not checked"
  exit 0
fi
if ! git cat-file -e "$BASE^{commit}" 2>/dev/null; then
  if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
    echo "check_commits: shallow clone without the base commit ${BASE:0:12};" \
         "run 'git fetch --unshallow' to check commit subjects; not checked"
  else
    echo "check_commits: the base commit ${BASE:0:12} is not in this history; not checked"
  fi
  exit 0
fi

bad=0
while IFS=$'\t' read -r hash subject; do
  if [ "${#subject}" -gt "$MAX" ]; then
    echo "  ${hash:0:12} (${#subject} characters): $subject"
    bad=$((bad + 1))
  fi
done < <(git log --format='%H%x09%s' "$BASE..HEAD")

total=$(git rev-list --count "$BASE..HEAD")
if [ "$bad" -gt 0 ]; then
  echo "check_commits: $bad of $total commits after ${BASE:0:12} have a subject over $MAX characters" \
       "(shorten it; the why goes in the body)"
  exit 1
fi
echo "check_commits: $total commits after ${BASE:0:12}, every subject within $MAX characters"
