#!/usr/bin/env node
// validate-entities.js FILE...: validates every catalog entity in the given YAML files with Backstage's own
// validators (@backstage/catalog-model policies and kind validators, templateEntityV1beta3Validator), after
// resolving $text/$json/$yaml placeholders relative to the file like the catalog's PlaceholderProcessor.
// Also refuses leftovers of templating: `${{`, `{%`, "undefined", "[object Object]" and empty annotation values.
// Prints `ok kind:namespace/name` per entity; exit 1 with one line per problem otherwise.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const yaml = require('yaml');
const cm = require('@backstage/catalog-model');
const { templateEntityV1beta3Validator } = require('@backstage/plugin-scaffolder-common');

const policy = cm.EntityPolicies.allOf([
  new cm.DefaultNamespaceEntityPolicy(),
  new cm.FieldFormatEntityPolicy(),
  new cm.NoForeignRootFieldsEntityPolicy(),
  new cm.SchemaValidEntityPolicy(),
]);
const kindValidators = {
  component: cm.componentEntityV1alpha1Validator,
  api: cm.apiEntityV1alpha1Validator,
  system: cm.systemEntityV1alpha1Validator,
  domain: cm.domainEntityV1alpha1Validator,
  resource: cm.resourceEntityV1alpha1Validator,
  group: cm.groupEntityV1alpha1Validator,
  user: cm.userEntityV1alpha1Validator,
  location: cm.locationEntityV1alpha1Validator,
  template: templateEntityV1beta3Validator,
};

function resolvePlaceholders(node, dir, problems, where) {
  if (Array.isArray(node)) return node.map((v, i) => resolvePlaceholders(v, dir, problems, `${where}[${i}]`));
  if (!node || typeof node !== 'object') return node;
  const keys = Object.keys(node);
  if (keys.length === 1 && ['$text', '$json', '$yaml'].includes(keys[0])) {
    const ref = node[keys[0]];
    if (/^[a-z]+:\/\//.test(ref)) return `placeholder ${ref} (remote, not fetched)`;
    const file = path.resolve(dir, ref);
    if (!fs.existsSync(file)) {
      problems.push(`${where}: ${keys[0]} ${ref}: file ${file} does not exist`);
      return '';
    }
    const text = fs.readFileSync(file, 'utf8');
    try {
      if (keys[0] === '$json') return JSON.parse(text);
      if (keys[0] === '$yaml') return yaml.parse(text);
    } catch (e) {
      problems.push(`${where}: ${keys[0]} ${ref}: ${e.message}`);
    }
    return text;
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolvePlaceholders(v, dir, problems, `${where}.${k}`)]));
}

function leftovers(value, where, problems) {
  if (typeof value === 'string') {
    for (const bad of ['${{', '{%', 'undefined', '[object Object]']) {
      if (value.includes(bad)) problems.push(`${where}: contains ${JSON.stringify(bad)}`);
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => leftovers(v, `${where}[${i}]`, problems));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) leftovers(v, `${where}.${k}`, problems);
  }
}

async function validateFile(file, isTemplateSource) {
  const problems = [];
  const ok = [];
  const docs = yaml.parseAllDocuments(fs.readFileSync(file, 'utf8'));
  for (const [i, doc] of docs.entries()) {
    const where = `${file}#${i}`;
    if (doc.errors.length) { problems.push(`${where}: YAML: ${doc.errors[0].message}`); continue; }
    const raw = doc.toJS();
    if (raw === null) continue;
    const entity = resolvePlaceholders(raw, path.dirname(file), problems, where);
    // A Template legitimately holds ${{ }} expressions in its steps; everything else must be fully rendered.
    if (!isTemplateSource(entity)) leftovers(raw, where, problems);
    for (const [k, v] of Object.entries(entity?.metadata?.annotations ?? {})) {
      if (v === '' || v === null) problems.push(`${where}: annotation ${k} is empty`);
    }
    try {
      const out = await policy.enforce(entity);
      if (!out) throw new Error('rejected by entity policies');
      const kind = String(entity.kind ?? '').toLowerCase();
      const validator = kindValidators[kind];
      if (!validator) throw new Error(`unknown kind ${entity.kind}`);
      if (!(await validator.check(entity))) throw new Error(`not a valid ${entity.apiVersion} ${entity.kind}`);
      ok.push(`ok ${kind}:${entity.metadata.namespace ?? 'default'}/${entity.metadata.name}`);
    } catch (e) {
      problems.push(`${where} (${entity?.kind}:${entity?.metadata?.name}): ${e.message}`);
    }
  }
  return { ok, problems };
}

async function main() {
  const files = process.argv.slice(2);
  if (!files.length) { process.stderr.write('usage: node validate-entities.js FILE...\n'); process.exit(2); }
  let failed = false;
  for (const f of files) {
    const { ok, problems } = await validateFile(f, (e) => e?.kind === 'Template');
    ok.forEach((l) => process.stdout.write(`${l}\n`));
    problems.forEach((l) => process.stderr.write(`${l}\n`));
    if (problems.length) failed = true;
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { process.stderr.write(`validate-entities: ${e.stack ?? e}\n`); process.exit(1); });
