// Stand-in for actions/upload-artifact v4.6.2 (see action.yml). Its search follows upload-artifact's
// src/shared/search.ts; @actions/* are resolved through NODE_PATH (the pinned npm install of ../../artifact).
const path = require('path');
const fs = require('fs');
const core = require('@actions/core');
const glob = require('@actions/glob');
const { DefaultArtifactClient } = require('@actions/artifact');

function lca(paths) {
  const split = paths.map((p) => p.split(path.sep));
  const out = [];
  for (let i = 0; ; i++) {
    const part = split[0][i];
    if (part === undefined || !split.every((s) => s[i] === part)) break;
    out.push(part);
  }
  return out.join(path.sep) || path.sep;
}

async function findFilesToUpload(searchPath, includeHiddenFiles) {
  const globber = await glob.create(searchPath, {
    followSymbolicLinks: true, implicitDescendants: true, omitBrokenSymbolicLinks: true,
    excludeHiddenFiles: !includeHiddenFiles,
  });
  const files = [];
  for (const r of await globber.glob()) {
    if (!fs.statSync(r).isDirectory()) files.push(r);
  }
  const searchPaths = globber.getSearchPaths();
  if (searchPaths.length > 1) return { files, root: lca(searchPaths) };
  if (files.length === 1 && searchPaths[0] === files[0]) return { files, root: path.dirname(files[0]) };
  return { files, root: searchPaths[0] };
}

async function main() {
  const name = core.getInput('name');
  const searchPath = core.getInput('path', { required: true });
  const ifNone = core.getInput('if-no-files-found');
  const hidden = core.getBooleanInput('include-hidden-files');
  const { files, root } = await findFilesToUpload(searchPath, hidden);
  if (files.length === 0) {
    const msg = `No files were found with the provided path: ${searchPath}. No artifacts will be uploaded.`;
    if (ifNone === 'error') { core.setFailed(msg); return; }
    if (ifNone === 'warn') core.warning(msg); else core.info(msg);
    return;
  }
  core.info(`With the provided path, there will be ${files.length} file(s) uploaded: ${files.map((f) => path.relative(root, f)).join(', ')}`);
  const opts = { compressionLevel: parseInt(core.getInput('compression-level'), 10) };
  const days = parseInt(core.getInput('retention-days'), 10);
  if (days > 0) opts.retentionDays = days;
  const client = new DefaultArtifactClient();
  const res = await client.uploadArtifact(name, files, root, opts);
  core.info(`Artifact ${name} has been successfully uploaded! Final size is ${res.size} bytes. Artifact ID is ${res.id}`);
  core.setOutput('artifact-id', res.id);
  core.setOutput('artifact-digest', res.digest || '');
}

main().catch((e) => core.setFailed(e.message));
