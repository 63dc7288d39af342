import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { publishRenewal } from '../../src/gitops/publish-renewal.js';
import { initCa, writeCaFiles } from '../../src/issuers/ca/index.js';
import { generateAgeIdentity } from '../../src/keys/age.js';
import { loadLock } from '../../src/manifest/lock-file.js';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { renew } from '../../src/renewal/renew.js';

describe('grouping renewals into one pull request per owner', () => {
  let root: string;
  let repo: string;
  let identity: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'certops-grouping-'));
    repo = join(root, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    const id = await generateAgeIdentity();
    identity = id.identity;
    writeFileSync(
      join(repo, 'certificates.yaml'),
      `version: 1\ndefaults: { issuer: internal, duration: 30d }\nrecipients: [${id.recipient}]\nowners: { web: [alice], data: [example/dba] }\nissuers:\n  internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }\ncertificates:\n  - name: api\n    dnsNames: [api.example.test]\n    owners: [web]\n  - name: db\n    dnsNames: [db.example.test]\n    owners: [data]\n  - name: www\n    dnsNames: [www.example.test]\n    owners: [web]\n`,
    );
    await writeCaFiles({ repoDir: repo, ca: await initCa({ commonName: 'grouping CA', now: new Date('2026-01-01T00:00:00Z') }), recipients: [id.recipient] });
    await renew({ repoDir: repo, now: new Date('2026-11-01T00:00:00Z'), identity });
    git('add', '-A');
    execFileSync('git', ['commit', '-qm', 'issued'], { cwd: repo, env });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('each owner gets a branch that changes only its certificates, and the branches merge one after the other', async () => {
    const result = await renew({ repoDir: repo, now: new Date('2026-11-25T00:00:00Z'), identity, pendingRevisions: [] });
    assert.deepEqual(result.renewed.map((r) => r.name).sort(), ['api', 'db', 'www']);
    const manifest = loadManifest(readFileSync(join(repo, 'certificates.yaml'), 'utf8')).manifest!;
    const lockInTree = readFileSync(join(repo, 'certificates.lock.yaml'), 'utf8');
    const published = await publishRenewal({ repoDir: repo, result, manifest, base: 'main', remote: null, grouping: 'owner', date: new Date('2026-11-25T00:00:00Z') });
    assert.deepEqual(published.groups.map((g) => `${g.branch.branch}:${g.branch.action}`), ['certops/renew-data:created', 'certops/renew-web:created']);
    assert.equal(readFileSync(join(repo, 'certificates.lock.yaml'), 'utf8'), lockInTree, 'the working tree keeps the whole renewal');
    assert.match(readFileSync(published.pullRequestFile!, 'utf8'), /branch: certops\/renew-data[\s\S]*\| db \|[\s\S]*branch: certops\/renew-web[\s\S]*\| api \|[\s\S]*\| www \|/);

    const changed = (branch: string) => git('diff', '--name-only', `main...${branch}`).split('\n').sort();
    assert.deepEqual(changed('certops/renew-data'), ['certificates.lock.yaml', 'certs/db/cert.pem', 'certs/db/key.pem.age']);
    assert.deepEqual(changed('certops/renew-web'), ['certificates.lock.yaml', 'certs/api/cert.pem', 'certs/api/key.pem.age', 'certs/www/cert.pem', 'certs/www/key.pem.age']);
    const head = loadLock(git('show', 'main:certificates.lock.yaml')).lock;
    const data = loadLock(git('show', 'certops/renew-data:certificates.lock.yaml')).lock;
    assert.deepEqual(data.certificates.api, head.certificates.api, 'the data branch leaves web certificates alone');
    assert.notDeepEqual(data.certificates.db, head.certificates.db);

    // Put the working tree back as CI would have it, then merge both pull requests.
    git('checkout', '--', '.');
    git('clean', '-fdq');
    execFileSync('git', ['merge', '-q', '--no-ff', '-m', 'merge data', 'certops/renew-data'], { cwd: repo, env });
    execFileSync('git', ['merge', '-q', '--no-ff', '-m', 'merge web', 'certops/renew-web'], { cwd: repo, env });
    const merged = loadLock(readFileSync(join(repo, 'certificates.lock.yaml'), 'utf8')).lock;
    for (const name of ['api', 'db', 'www']) assert.equal(merged.certificates[name]!.notAfter.slice(0, 10), '2026-12-25', name);
  });
});
