// Stand-in for actions/download-artifact v4.3.0 (see action.yml): one artifact by name, this run.
const path = require('path');
const core = require('@actions/core');
const { DefaultArtifactClient } = require('@actions/artifact');

async function main() {
  const name = core.getInput('name');
  if (!name) throw new Error('download-artifact stand-in: only download by name is emulated');
  if (core.getInput('pattern') || core.getInput('run-id') || core.getInput('github-token')) {
    throw new Error('download-artifact stand-in: pattern, run-id and github-token are not emulated');
  }
  const dest = path.resolve(process.env.GITHUB_WORKSPACE || '.', core.getInput('path') || '.');
  const client = new DefaultArtifactClient();
  // The real action fails with "Artifact not found for name: <name>" here too.
  const { artifact } = await client.getArtifact(name);
  const res = await client.downloadArtifact(artifact.id, { path: dest });
  core.info(`Artifact ${name} (id ${artifact.id}) downloaded to ${res.downloadPath || dest}`);
  core.setOutput('download-path', res.downloadPath || dest);
}

main().catch((e) => core.setFailed(e.message));
