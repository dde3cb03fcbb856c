#!/usr/bin/env node
// backend.js: a real Backstage backend on the new backend system, as an adopter's packages/backend/src/index.ts
// would build it: the catalog (with the scaffolder's Template kind) and the scaffolder with its GitHub actions.
// The e2e test (e2e_test.go) starts it as
//
//   node backend.js --config app-config.yaml
//
// with a generated app-config: 127.0.0.1, PostgreSQL in a temp directory, and the github.com integration's
// apiBaseUrl on the test's loopback GitHub fake. Everything else is upstream code at the pinned versions.
'use strict';

const { createBackend } = require('@backstage/backend-defaults');

const backend = createBackend();
backend.add(require('@backstage/plugin-catalog-backend'));
backend.add(require('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));
backend.add(require('@backstage/plugin-scaffolder-backend'));
backend.add(require('@backstage/plugin-scaffolder-backend-module-github'));
backend.start().catch((err) => {
  console.error(err);
  process.exit(1);
});
