// Package render renders a Backstage software template offline, the way the
// scaffolder's fetch:template action does: it loads template.yaml
// (scaffolder.backstage.io/v1beta3), validates the user's parameter values
// against the merged parameter JSON Schema, evaluates the fetch:template
// step's input.values mapping, and renders the skeleton directory tree
// (contents and file/dir names) with Nunjucks semantics and ${{ }} delimiters,
// from disk or an fs.FS (a template version read from git) to disk or memory
// (Files), by the same code path.
//
// The template engine is gonja (a Jinja2 engine) configured and adapted to
// behave like nunjitsu/Nunjucks where they differ: JavaScript printing of
// values, nil-safe member lookup, JavaScript truthiness in conditions, and
// the Backstage filters. It is not a general Jinja engine, does not run the
// other scaffolder actions (publish, register), and does not talk to Backstage.
package render
