// Package backstagee2e runs the template end to end in a real Backstage: its test starts the Backstage backend
// of backend.js (new backend system: catalog with the scaffolder's Template kind, scaffolder with its GitHub
// module; pinned npm packages of the release of the scaffolder 4.3.0 that tools/render-check uses) on
// PostgreSQL, points the github.com integration at a loopback GitHub fake that serves the REST calls the
// actions make and git smart HTTP through the real `git http-backend`, registers the platform's root
// catalog-info.yaml, runs every case of template/testdata/cases through the scaffolder's task API, and checks
// what a user would get: the pushed repository byte for byte against tools/internal/render, branch
// protection, the catalog entities and their relations, the output links and the CI dispatch. The negative
// cases must be refused by the task API with the field named. docs/backstage-e2e.md says how and why.
//
// It holds no production code and is not the render oracle (tools/render-check is, without a server); the
// Node package next to it is installed by `make deps` (npm ci).
package backstagee2e
