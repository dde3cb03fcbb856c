#!/usr/bin/env node
// render.js: renders a Backstage template with the REAL scaffolder code (the same dry-run path as
// POST /api/scaffolder/v2/dry-run in @backstage/plugin-scaffolder-backend), so that our Go renderer can be
// compared with it byte for byte.
//
//   node render.js --template ../../template/template.yaml --values case.yaml --out DIR
//
// Exit codes: 0 rendered, 2 refused (invalid template or values; the reasons go to stderr, one per line),
// 1 anything else. The template is located at a github.com URL (as when a Location registers it), and
// `fetch:template`'s relative `url:` is served from the local checkout by a UrlReader that maps that
// repository's tree URLs onto the working copy — the only piece that is not upstream code.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const yaml = require('yaml');
const jsonschema = require('jsonschema');
const { ConfigReader } = require('@backstage/config');
const { ScmIntegrations } = require('@backstage/integration');
const { templateEntityV1beta3Validator } = require('@backstage/plugin-scaffolder-common');
const { resolveParameterSteps } = require('@backstage/plugin-scaffolder-common/alpha');
const { createTemplateAction } = require('@backstage/plugin-scaffolder-node');
const { createFetchTemplateAction, createDebugLogAction } = require('@backstage/plugin-scaffolder-backend');
const { serializeDirectoryContents } = require('@backstage/plugin-scaffolder-node');
// The workflow runner is not exported; it is loaded by file path, which is why the version is pinned exactly.
// dryRun() below is upstream's createDryRunner (dist/scaffolder/dryrun/createDryRunner.cjs.js) minus its
// file:// baseUrl requirement, so that the template can sit at a github.com URL as in production.
const backendDist = (rel) => require(path.join(path.dirname(require.resolve('@backstage/plugin-scaffolder-backend')), rel));
const { NunjucksWorkflowRunner } = backendDist('scaffolder/tasks/NunjucksWorkflowRunner.cjs.js');
const { DecoratedActionsRegistry } = backendDist('scaffolder/dryrun/DecoratedActionsRegistry.cjs.js');
const { collectTemplateCapabilities } = backendDist('util/templating.cjs.js');

const REPO_URL = 'https://github.com/acme-platform/golden-path';
const REF = 'main';

function parseArgs(argv) {
  const args = {};
  for (let i = 2; i < argv.length; i += 2) {
    const k = argv[i];
    if (!k.startsWith('--') || i + 1 >= argv.length) throw usage(`bad argument ${k}`);
    args[k.slice(2)] = argv[i + 1];
  }
  for (const k of ['template', 'values', 'out']) if (!args[k]) throw usage(`missing --${k}`);
  return args;
}

class Refused extends Error {}
function usage(msg) {
  const e = new Refused(`${msg}\nusage: node render.js --template FILE --values FILE --out DIR`);
  return e;
}

const quiet = () => {};
function makeLogger(lines) {
  const logger = {
    info: (m) => lines.push(String(m)), warn: (m) => lines.push(`warn: ${m}`), error: (m) => lines.push(`error: ${m}`),
    debug: quiet, child: () => logger,
  };
  return logger;
}
const metrics = {
  createCounter: () => ({ add: quiet }),
  createHistogram: () => ({ record: quiet }),
  createGauge: () => ({ record: quiet }),
  createUpDownCounter: () => ({ add: quiet }),
};

// localReader implements the UrlReaderService methods fetch:template uses, for tree URLs of REPO_URL only.
function localReader(repoRoot) {
  const prefix = `${REPO_URL}/tree/${REF}/`;
  const toLocal = (url) => {
    if (!url.startsWith(prefix)) throw new Error(`render-check reader: unexpected URL ${url}`);
    const rel = decodeURIComponent(url.slice(prefix.length)).replace(/\/$/, '');
    const abs = path.resolve(repoRoot, rel);
    if (!abs.startsWith(repoRoot + path.sep)) throw new Error(`render-check reader: ${url} escapes the repository`);
    return abs;
  };
  return {
    async readTree(url) {
      const src = toLocal(url);
      return {
        etag: 'local',
        async dir({ targetDir }) {
          fs.cpSync(src, targetDir, { recursive: true, preserveTimestamps: false });
          return targetDir;
        },
        async files() { throw new Error('not implemented'); },
        async archive() { throw new Error('not implemented'); },
      };
    },
    async readUrl(url) { throw new Error(`render-check reader: readUrl(${url}) not supported`); },
    async search() { throw new Error('render-check reader: search not supported'); },
  };
}

// A stub for an action that cannot run offline. Like upstream actions without dry-run support, the dry-run
// runner skips it and fakes its outputs from the output schema.
function stubAction(id, outputs) {
  return createTemplateAction({
    id,
    supportsDryRun: false,
    schema: {
      input: (z) => z.object({}).passthrough(),
      output: (z) => z.object(Object.fromEntries(outputs.map((o) => [o, z.string()]))),
    },
    async handler() { throw new Error(`${id} must not run in render-check`); },
  });
}

function applyDefaults(schema, obj) {
  for (const [key, prop] of Object.entries(schema?.properties ?? {})) {
    if (obj[key] === undefined && prop && prop.default !== undefined) obj[key] = structuredClone(prop.default);
    if (prop?.type === 'object' && obj[key] && typeof obj[key] === 'object') applyDefaults(prop, obj[key]);
  }
}

async function main() {
  const args = parseArgs(process.argv);
  const templatePath = path.resolve(args.template);
  const repoRoot = path.resolve(path.dirname(templatePath), '..');
  const template = yaml.parse(fs.readFileSync(templatePath, 'utf8'));
  const values = yaml.parse(fs.readFileSync(args.values, 'utf8')) ?? {};

  if (!(await templateEntityV1beta3Validator.check(template))) {
    throw new Refused('template.yaml is not a valid scaffolder.backstage.io/v1beta3 Template');
  }
  // Parameter validation exactly as the router's validateParameterSteps does it, after filling in schema
  // defaults the way the portal's form (rjsf) does before it submits: what the user left untouched is sent
  // with its default.
  const parameters = [template.spec.parameters ?? []].flat();
  for (const page of parameters) applyDefaults(page, values);
  const resolved = resolveParameterSteps(values, parameters.map((schema) => ({ schema, when: schema.when })));
  const errors = [];
  for (const [i, schema] of parameters.entries()) {
    if (!resolved.visible[i]) continue;
    const result = jsonschema.validate(values, schema);
    if (!result.valid) {
      for (const e of result.errors) errors.push(e.stack);
      break;
    }
  }
  if (errors.length) throw new Refused(errors.join('\n'));

  const integrations = ScmIntegrations.fromConfig(new ConfigReader({}));
  const reader = localReader(repoRoot);
  const logLines = [];
  const logger = makeLogger(logLines);
  const actionRegistry = new Map();
  const actions = [
    createFetchTemplateAction({ reader, integrations }),
    createDebugLogAction(),
    stubAction('publish:github', ['remoteUrl', 'repoContentsUrl', 'commitHash']),
    stubAction('catalog:register', ['entityRef', 'catalogInfoUrl']),
    stubAction('github:actions:dispatch', []),
  ];
  for (const a of actions) actionRegistry.set(a.id, a);
  const registry = {
    register: (a) => actionRegistry.set(a.id, a),
    get: async (id) => {
      const a = actionRegistry.get(id);
      if (!a) throw new Error(`Template action with ID '${id}' is not registered.`);
      return a;
    },
    list: async () => [...actionRegistry.values()],
  };
  const workingDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'render-check-'));
  try {
    const steps = template.spec.steps.map((step, index) => ({ ...step, id: step.id ?? `step-${index + 1}`, name: step.name ?? step.action }));
    let contentPromise;
    const runner = new NunjucksWorkflowRunner({
      actionRegistry: new DecoratedActionsRegistry(registry, [
        createTemplateAction({
          id: 'dry-run:extract',
          supportsDryRun: true,
          async handler(ctx) {
            contentPromise = serializeDirectoryContents(ctx.workspacePath);
            await contentPromise.catch(() => {});
          },
        }),
      ]),
      integrations, logger, workingDirectory, config: new ConfigReader({}), metrics,
      templateCapabilities: collectTemplateCapabilities({}),
    });
    const log = [];
    const runId = 'render-check';
    const result = await runner.execute({
      taskId: runId,
      spec: {
        apiVersion: template.apiVersion,
        steps: [...steps, { id: runId, name: 'dry-run:extract', action: 'dry-run:extract' }],
        output: template.spec.output ?? {},
        parameters: resolved.values,
        user: { ref: 'user:default/render-check' },
        templateInfo: {
          entityRef: `template:default/${template.metadata.name}`,
          entity: { metadata: template.metadata },
          baseUrl: `${REPO_URL}/blob/${REF}/template/template.yaml`,
        },
      },
      secrets: { USER_OAUTH_TOKEN: 'render-check-token' },
      getInitiatorCredentials: async () => ({ $$type: '@backstage/BackstageCredentials', principal: { type: 'user', userEntityRef: 'user:default/render-check' } }),
      done: false,
      isDryRun: true,
      getWorkspaceName: async () => `dry-run-${runId}`,
      cancelSignal: new AbortController().signal,
      async emitLog(message, meta) { if (meta?.stepId !== runId) log.push(message); },
      complete: async () => { throw new Error('Not implemented'); },
    });
    if (!contentPromise) throw new Error('Content extraction step was skipped');
    result.directoryContents = await contentPromise;
    result.log = log;
    fs.mkdirSync(args.out, { recursive: true });
    for (const f of result.directoryContents) {
      const dst = path.join(args.out, f.path);
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      fs.writeFileSync(dst, f.content, { mode: f.executable ? 0o755 : 0o644 });
      fs.chmodSync(dst, f.executable ? 0o755 : 0o644);
    }
    if (args.output) fs.writeFileSync(args.output, JSON.stringify({ output: result.output, log: result.log }, null, 2));
  } finally {
    fs.rmSync(workingDirectory, { recursive: true, force: true });
  }
}

main().catch((e) => {
  if (e instanceof Refused) {
    process.stderr.write(`render-check: refused:\n${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`render-check: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
