// Package upgrade brings a repository rendered from the golden-path template
// to a newer template version by a three-way merge, the way cruft and
// copier's `update` do: base is the template at the version the repository
// records in .golden-path/answers.yaml rendered with the recorded answers,
// theirs is the target version rendered with the migrated answers, ours is
// the repository's work tree. Per file it takes theirs where the user
// changed nothing, keeps ours where the template changed nothing, and
// merges both with `git merge-file` otherwise.
//
// It reads template versions from git tags (template/v<version>) of the
// template repository (git archive, in memory) and renders them into memory
// with tools/internal/render; renames are git's rename detection. It is not
// a diff algorithm (git merges and diffs), does not commit, push or open
// pull requests, and does not regenerate go.sum or api/openapi.yaml itself:
// it reports the command that does.
package upgrade
