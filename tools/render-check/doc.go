// Package rendercheck proves that our Go renderer (tools/scaffold) and the real Backstage scaffolder render the
// template identically. Its test drives render.js — the pinned @backstage/plugin-scaffolder-backend dry-run —
// and validate-entities.js on every case in template/testdata/cases, compares the two output trees byte for
// byte (paths, contents, executable bits), validates every catalog entity with Backstage's own validators and
// checks that negative cases are refused by both.
//
// It holds no production code; the Node package next to it is installed by `make deps` (npm ci).
package rendercheck
