#!/usr/bin/env node
// The whole certificate lifecycle, offline, in a temporary directory: a repository with a
// local bare origin, the built-in CA, a files target. Uses the built CLI (dist/cli/index.js)
// exactly as a user would. `npm run demo -- --keep` leaves the directory for a look.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist/cli/index.js');
const keep = process.argv.includes('--keep');
const started = Date.now();
if (!existsSync(cli)) {
  console.error('dist/cli/index.js is missing: run npm run build first (npm ci does not build; the bundles are committed).');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'certops-demo-'));
const origin = join(dir, 'origin.git');
const repo = join(dir, 'repo');
const identityFile = join(dir, 'identity.txt');
const git = (...args) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const env = { ...process.env, GIT_AUTHOR_NAME: 'demo', GIT_AUTHOR_EMAIL: 'demo@example.test', GIT_COMMITTER_NAME: 'demo', GIT_COMMITTER_EMAIL: 'demo@example.test' };

let step = 0;
function certops(title, args, { expect = [0], now } = {}) {
  step++;
  const full = [...args, ...(now ? ['--now', now] : [])];
  console.log(`\n\x1b[1m${step}. ${title}\x1b[0m\n$ certops ${full.join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...full], { cwd: repo, env, encoding: 'utf8' });
  const out = `${r.stdout}${r.stderr}`.trimEnd();
  if (out) console.log(out.split('\n').map((l) => `  ${l}`).join('\n'));
  if (!expect.includes(r.status)) {
    console.error(`\ncertops ${args[0]} exited ${r.status}; expected ${expect.join(' or ')}. The demo directory is kept: ${dir}`);
    process.exit(1);
  }
  return r;
}

try {
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', origin]);
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  git('remote', 'add', 'origin', origin);

  certops('Start a repository: a starter manifest, the baseline policy and an age identity', ['init', '--identity-out', identityFile]);
  // The demo inventory replaces the starter, keeping the recipient init generated.
  const recipient = /public key: (age1\w+)/.exec(readFileSync(identityFile, 'utf8'))[1];
  cpSync(join(root, 'examples/demo'), repo, { recursive: true });
  const manifest = readFileSync(join(repo, 'certificates.yaml'), 'utf8').replace('version: 1\n', `version: 1\nrecipients: [${recipient}]\n`);
  writeFileSync(join(repo, 'certificates.yaml'), manifest.replace('./deployed/edge', JSON.stringify(join(dir, 'deployed/edge/{name}'))));
  certops('Create the built-in CA (its key is age-encrypted)', ['ca', 'init', '--common-name', 'certops demo CA']);
  git('add', '-A');
  execFileSync('git', ['commit', '-qm', 'certificate inventory'], { cwd: repo, env });
  git('push', '-q', 'origin', 'main');

  certops('Policy check, as on a pull request (nothing issued yet: notices only)', ['lint']);
  certops('Scheduled renewal: issue what is due and commit it to certops/renew', ['renew', '--identity-file', identityFile]);
  console.log(`  pull request text:\n${readFileSync(join(repo, '.git/certops-renewal-pr.md'), 'utf8').split('\n').slice(0, 12).map((l) => `    ${l}`).join('\n')}`);
  git('switch', '-q', 'certops/renew');
  certops('Policy check of the renewal pull request, judged by the policy on main', ['lint', '--base', 'main']);
  git('switch', '-q', 'main');

  const beforeMerge = git('rev-parse', 'HEAD');
  git('merge', '-q', '--ff-only', 'certops/renew');
  git('push', '-q', 'origin', 'main');
  console.log(`\n(merged certops/renew into main: ${beforeMerge.slice(0, 8)}..${git('rev-parse', 'HEAD').slice(0, 8)})`);
  certops('Deploy on merge: what the merge changed goes to the files target', ['deploy', '--since', beforeMerge, '--identity-file', identityFile]);
  console.log(`  ${join(dir, 'deployed/edge')}: ${readdirSync(join(dir, 'deployed/edge')).map((n) => `${n}/{${readdirSync(join(dir, 'deployed/edge', n)).filter((f) => !f.startsWith('.')).join(',')}}`).join(' ')}`);
  certops('Deploy again: nothing changes', ['deploy', '--since', beforeMerge, '--identity-file', identityFile]);
  certops('Reports: expiry report and chart, metrics, evidence; the ledger holds the deploy events', ['report']);
  console.log(`  reports/: ${readdirSync(join(repo, 'reports')).filter((f) => !f.startsWith('.')).join(', ')}`);
  console.log(readFileSync(join(repo, 'reports/expiry.md'), 'utf8').split('\n').filter((l) => l.startsWith('|')).slice(0, 4).map((l) => `    ${l}`).join('\n'));
  certops('The audit ledger is a hash chain', ['audit', 'verify']);
  certops('Renew again: nothing is due yet', ['renew', '--identity-file', identityFile]);
  const later = new Date(Date.now() + 25 * 86_400_000).toISOString();
  certops('25 days later the certificates enter their renewal window (dry run)', ['renew', '--dry-run'], { now: later });
  const manifestPath = join(repo, 'certificates.yaml');
  const issued = readFileSync(manifestPath, 'utf8');
  const [, leaked, pin] = /\n  (\S+):\n(?: {4}.*\n)*? {4}spkiSha256: (\S+)/.exec(readFileSync(join(repo, 'certificates.lock.yaml'), 'utf8'));
  writeFileSync(manifestPath, issued.replace(/^(recipients: .*)$/m, `$1\nretiredKeys:\n  - { spkiSha256: "${pin}", reason: key of ${leaked} pasted in a ticket }`));
  console.log(`\n(the key of ${leaked} leaked: its pin goes under retiredKeys in certificates.yaml)`);
  certops('Lint warns that a certificate still uses a retired key', ['lint']);
  certops('Renewal rotates it at once, whatever its rotationPolicy (dry run)', ['renew', '--dry-run']);
  writeFileSync(manifestPath, issued);
  const ledger = join(repo, 'reports/audit.jsonl');
  writeFileSync(ledger, readFileSync(ledger, 'utf8').replace('"deployment_status":"success"', '"deployment_status":"failure"'));
  certops('Someone edits the ledger by hand: audit verify names the line', ['audit', 'verify'], { expect: [1] });

  console.log(`\nThe whole lifecycle took ${((Date.now() - started) / 1000).toFixed(1)} s, offline.`);
  if (keep) console.log(`The demo repository is in ${repo}`);
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
