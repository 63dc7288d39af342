// The renew benchmark (issue 3, "Performance"): renew 50 due certificates from one Pebble (no
// validation sleep, no nonce rejection, PEBBLE_AUTHZREUSE=0, real http-01 validation: Pebble
// resolves every name to 127.0.0.1 through pebble-challtestsrv and fetches the answer from its
// httpPort) with
//   - certops: `node dist/cli/index.js renew --no-commit` in a fresh process, on a git repository
//     whose 50 certificates (ACME issuer, http-01 standalone, account key age-encrypted in the
//     repository) are all inside their renewal window;
//   - certbot: `certbot renew --force-renewal` over 50 lineages, one after another as it runs them;
//   - lego: a loop of 50 `lego run`;
//   - the floor: a bare acme-client loop at certops' concurrency (bench/renew.floor.cjs);
// and compare: certops >= 20x faster than certbot, >= 5x faster than lego, <= 1.5x the floor.
// Every contender has its account registered and its certificates to renew set up before the
// clock runs, and orders names of its own. Every figure is the wall time of fresh processes,
// start-up included, as a scheduled job sees it: certbot and lego are processes too, and
// `certops renew` in CI is one. (The --no-commit run is what renew() does; committing to the
// renewal branch comes after it and has no counterpart in the other clients.)
//
//   npm run bench -- renew [--certificates=N] [--concurrency=N] [--runs=N] [--skip=certbot,lego]
//                          [--no-build] [--keep] [--strict]
//
// --runs: timed runs of certops and of the floor, interleaved (median; default 3). certbot and
// lego run once: they take minutes (certbot's setup of 50 lineages too). --keep leaves the scratch
// directory for inspection.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encryptPrivateKey, generateAgeIdentity } from '../src/keys/age.js';
import { privateKeyToPem, generatePrivateKey } from '../src/pki/private-key.js';
import { startChallTestSrv, type ChallTestSrv } from '../test/helpers/challtestsrv.js';
import { startPebble, type Pebble } from '../test/helpers/pebble.js';
import { findProgram } from '../test/helpers/system.js';
import { bundles, ROOT } from './lib/bundles.js';
import { median } from './lib/measure.js';
import { bar, benchArgs, exitStatus, heading, line, ms, ratio } from './lib/report.js';

const BENCH = 'renew';
/** certops' time as a fraction of the other's: certbot / certops >= 20 is certops / certbot <= 1/20. */
const BARS = { certbot: 1 / 20, lego: 1 / 5, floor: 1.5 };
/** certops' default AcmeTuning.pollMinMs, which the floor's acme-client backoff is given too. */
const POLL_MIN_MS = 100;
const DAY_MS = 24 * 60 * 60 * 1000;
const FLOOR = fileURLToPath(new URL('./renew.floor.cjs', import.meta.url));

const { strict, options } = benchArgs();
const count = Number(options.get('certificates') ?? 50);
const concurrency = Number(options.get('concurrency') ?? 4);
const runs = Number(options.get('runs') ?? 3);
const skip = new Set((options.get('skip') ?? '').split(',').filter(Boolean));
const keep = options.has('keep');
for (const [name, value] of [['certificates', count], ['concurrency', concurrency], ['runs', runs]] as const) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`bench renew: --${name} must be a whole number >= 1`);
    process.exit(2);
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'certops-bench-renew-'));
let dns: ChallTestSrv | undefined;
let pebble: Pebble | undefined;
const running = new Set<ReturnType<typeof spawn>>();

async function cleanUp(): Promise<void> {
  for (const child of running) child.kill('SIGKILL');
  await pebble?.stop();
  await dns?.stop();
  if (!keep) rmSync(scratch, { recursive: true, force: true });
}

/** Fails the benchmark (not a bar): figures from a broken run would mean nothing. */
async function broken(message: string): Promise<never> {
  console.error(`\nbench renew: ${message}`);
  await cleanUp();
  process.exit(2);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

interface Timed {
  wallMs: number;
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program and times it from spawn to exit. Asynchronous on purpose: Pebble's log comes
 * through a pipe to this process, and a synchronous spawn would leave that pipe unread, so a
 * chatty Pebble would block on it mid-run.
 */
function timed(command: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    const cap = (s: string) => (s.length > 1_000_000 ? s.slice(-1_000_000) : s);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout = cap(stdout + chunk); });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr = cap(stderr + chunk); });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15 * 60_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    child.once('close', (status, signal) => {
      const wallMs = performance.now() - start;
      clearTimeout(timer);
      running.delete(child);
      resolve({ wallMs, status, signal, stdout, stderr });
    });
  });
}

async function mustSucceed(what: string, r: Timed): Promise<Timed> {
  if (r.status !== 0) await broken(`${what} exited with ${r.status ?? r.signal}:\n${(r.stderr + r.stdout).trim().slice(-3000)}`);
  return r;
}

const pad = (i: number) => String(i).padStart(2, '0');
/** `count` names under a zone of the contender's own, so no contender meets another's authorizations. */
const namesFor = (contender: string) => Array.from({ length: count }, (_, i) => `n${pad(i + 1)}.${contender}.renew-bench.example.com`);

// ---------------------------------------------------------------------------------------------
heading(`renew: ${count} due certificates from Pebble, real http-01`);
const required = [['pebble', 'pebble'], ['pebble-challtestsrv', 'pebble'], ['openssl', 'openssl'], ['git', 'git']];
for (const [program, pkg] of required) if (!findProgram(program!)) await broken(`${program} is not installed (apt-get install ${pkg})`);
const certbot = skip.has('certbot') ? undefined : findProgram('certbot');
const lego = skip.has('lego') ? undefined : findProgram('lego');

const dist = await bundles(options.get('no-build') === undefined);
for (const note of dist.notes) line('note', note);
if (!existsSync(join(ROOT, 'dist', 'cli', 'index.js'))) await broken('dist/cli/index.js does not exist and could not be built (npm run build)');
// A copy of dist/cli (the entry and its chunks), so that a rebuild of dist/ by someone else during
// the run cannot change the program between runs. It stays under the repository so that its
// imports resolve as dist/'s do.
const cliDir = join(ROOT, '.cache', 'bench', 'renew-cli');
rmSync(cliDir, { recursive: true, force: true });
mkdirSync(join(ROOT, '.cache', 'bench'), { recursive: true });
cpSync(join(ROOT, 'dist', 'cli'), cliDir, { recursive: true });
const cli = join(cliDir, 'index.js');

dns = await startChallTestSrv();
// 90-day certificates, as the manifest asks for: the renewal window then means what it says.
pebble = await startPebble({ dnsServer: dns.dnsAddress, nonceRejectPercent: 0, authzReusePercent: 0, certificateValidityPeriod: 90 * 86_400 });
const caFile = join(scratch, 'pebble-tls-ca.pem');
writeFileSync(caFile, pebble.tls.caPem);
const httpListen = `127.0.0.1:${pebble.httpPort}`;
line('pebble', `${pebble.directoryUrl} (http-01 on ${httpListen}; VA_NOSLEEP=1, WFE_NONCEREJECT=0, AUTHZREUSE=0)`);
line('node', process.version);
line('program', `node dist/cli/index.js renew --no-commit --concurrency ${concurrency} (a copy taken at the start)`);

// --- accounts: registered before the clock runs, as every contender's is -----------------------
// Pebble reuses a valid authorization now and then even at PEBBLE_AUTHZREUSE=0 (two in 300
// orders when this was written), and only for the account that validated it. So no timed order
// names what its account has validated before: each certops and floor run gets names of its own,
// and certops' certificates are first issued (untimed) by another account than the one that
// renews them.
const accountKey = async (file: string) => {
  const pem = privateKeyToPem(await generatePrivateKey({ algorithm: 'ECDSA', size: 256 }));
  writeFileSync(join(scratch, file), pem, { mode: 0o600 });
  return pem;
};
const floorArgs = (key: string, names: string[]) => [FLOOR, pebble!.directoryUrl, caFile, join(scratch, key), httpListen, String(concurrency), String(POLL_MIN_MS), ...names];
/** The floor's account request (newAccount with the bench contact), run alone: registers a key. */
const register = async (key: string) => (await mustSucceed(`registering ${key} (untimed)`, await timed(process.execPath, floorArgs(key, [])))).stdout.trim();
const setupAccountPem = await accountKey('certops-setup-account.pem');
const renewAccountPem = await accountKey('certops-account.pem');
await accountKey('floor-account.pem');
const [setupAccountUrl, renewAccountUrl] = await Promise.all(['certops-setup-account.pem', 'certops-account.pem', 'floor-account.pem'].map(register));

// --- certops: repositories of `count` certificates, issued once (untimed), then all due -----
const age = await generateAgeIdentity();
const identityFile = join(scratch, 'age-identity.txt');
writeFileSync(identityFile, `${age.identity}\n`, { mode: 0o600 });
const renewAccountFile = await encryptPrivateKey(renewAccountPem, [age.recipient]);
const countRenewed = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('renewed ')).length;
const serials = (text: string) => new Set([...text.matchAll(/serial: ["']?([0-9a-fA-F:]+)/g)].map((m) => m[1]));

interface CertopsRepo {
  dir: string;
  args: string[];
  lockBefore: string;
}

/** A git repository whose `count` certificates are issued and committed, with the renewing account's key in it. */
async function certopsRepo(zone: string): Promise<CertopsRepo> {
  const dir = join(scratch, zone);
  mkdirSync(join(dir, 'pki', 'acme'), { recursive: true });
  const git = (...args: string[]) => timed('git', args, { cwd: dir }).then((r) => mustSucceed(`git ${args.join(' ')}`, r));
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.email', 'bench@example.com');
  await git('config', 'user.name', 'bench');
  writeFileSync(join(dir, 'pebble-tls-ca.pem'), pebble!.tls.caPem);
  writeFileSync(join(dir, 'pki', 'acme', 'pebble.account.key.age'), renewAccountFile);
  writeFileSync(join(dir, 'certificates.yaml'), [
    'version: 1',
    'defaults: { issuer: pebble, duration: 90d, renewBefore: 30d }',
    `recipients: [${age.recipient}]`,
    'issuers:',
    '  pebble:',
    '    publiclyTrusted: false',
    '    acme:',
    `      directory: ${pebble!.directoryUrl}`,
    // An account contact, as accounts usually have. (Without one, certops cannot use an existing
    // account on Pebble: acme-client sends {termsOfServiceAgreed} as an account update, which
    // Pebble refuses as an empty update.)
    '      email: bench@example.com',
    '      caCertificate: pebble-tls-ca.pem',
    `      solvers: [{ http01: { listen: "${httpListen}" } }]`,
    'certificates:',
    ...namesFor(zone).map((dnsName, i) => `  - { name: site-${pad(i + 1)}, dnsNames: [${dnsName}] }`),
    '',
  ].join('\n'));
  await git('add', '-A');
  await git('commit', '-qm', 'inventory');
  const issuedAt = Date.now();
  const args = (now: Date) => [cli, 'renew', '--repo', dir, '--now', now.toISOString(), '--identity-file', identityFile, '--concurrency', String(concurrency), '--no-commit'];
  // The first issue, by the setup account (CERTOPS_ACME_ACCOUNT_KEY_<ISSUER> wins over the key file).
  const first = await mustSucceed(`certops renew in ${zone} (first issue, untimed)`,
    await timed(process.execPath, args(new Date(issuedAt)), { env: { ...process.env, CERTOPS_ACME_ACCOUNT_KEY_PEBBLE: setupAccountPem } }));
  if (!first.stderr.includes(`ACME account ${setupAccountUrl} `)) await broken(`the first certops run in ${zone} did not use the setup account ${setupAccountUrl}`);
  if (countRenewed(first.stdout) !== count) await broken(`the first certops run in ${zone} issued ${countRenewed(first.stdout)} of ${count}:\n${first.stdout}`);
  await git('add', '-A');
  await git('commit', '-qm', 'certificates as issued');
  // 70 days on: every 90-day certificate is 10 days into its 30-day renewal window.
  return { dir, args: args(new Date(issuedAt + 70 * DAY_MS)), lockBefore: readFileSync(join(dir, 'certificates.lock.yaml'), 'utf8') };
}

async function certopsRun(repo: CertopsRepo): Promise<number> {
  const r = await mustSucceed('certops renew', await timed(process.execPath, repo.args));
  if (countRenewed(r.stdout) !== count) await broken(`certops renewed ${countRenewed(r.stdout)} of ${count}:\n${r.stdout}\n${r.stderr}`);
  const [before, after] = [serials(repo.lockBefore), serials(readFileSync(join(repo.dir, 'certificates.lock.yaml'), 'utf8'))];
  if (after.size !== count || [...after].some((s) => before.has(s))) await broken(`certops' lock does not hold ${count} new serials after the run`);
  if (!r.stderr.includes(`ACME account ${renewAccountUrl} `)) await broken(`certops did not renew with the repository's account ${renewAccountUrl}:\n${r.stderr.slice(0, 2000)}`);
  return r.wallMs;
}

async function floorRun(zone: string): Promise<number> {
  const r = await mustSucceed('the floor (bare acme-client loop)', await timed(process.execPath, floorArgs('floor-account.pem', namesFor(zone))));
  if (Number(r.stdout.trim()) !== count) await broken(`the floor obtained ${r.stdout.trim()} of ${count}`);
  if (r.stderr.trim()) line('  floor note', r.stderr.trim());
  return r.wallMs;
}

const setupStart = performance.now();
const repos: CertopsRepo[] = [];
for (let i = 1; i <= runs; i++) repos.push(await certopsRepo(`certops-r${i}`));
line('certops setup (untimed)', `${runs} repositories of ${count} issued certificates, ${ms(performance.now() - setupStart)}`);

heading(`certops and the floor, ${runs} run(s) each, interleaved`);
const certopsWalls: number[] = [];
const floorWalls: number[] = [];
for (let i = 0; i < runs; i++) {
  certopsWalls.push(await certopsRun(repos[i]!));
  floorWalls.push(await floorRun(`floor-r${i + 1}`));
}
// Context for the two figures above, which include start-up: what loading each program costs.
const startups = { certops: [] as number[], floor: [] as number[] };
for (let i = 0; i < 5; i++) {
  startups.certops.push((await mustSucceed('certops --help', await timed(process.execPath, [cli, '--help']))).wallMs);
  startups.floor.push((await mustSucceed('loading acme-client', await timed(process.execPath, ['-e', "require('acme-client')"], { cwd: ROOT }))).wallMs);
}
const certopsWall = median(certopsWalls);
const floorWall = median(floorWalls);
line(`certops renew (median of ${runs})`, `${ms(certopsWall)}   [${certopsWalls.map((v) => Math.round(v)).join(', ')}]`);
line(`acme-client floor (median of ${runs})`, `${ms(floorWall)}   [${floorWalls.map((v) => Math.round(v)).join(', ')}]`);
line('  start-up: certops --help', `${ms(median(startups.certops))} (median of 5; part of the certops figure)`);
line('  start-up: loading acme-client', `${ms(median(startups.floor))} (median of 5; part of the floor figure)`);

// --- lego: one `lego run` per certificate -----------------------------------------------------
let legoWall: number | undefined;
if (lego) {
  heading(`lego: a loop of ${count} \`lego run\``);
  const path = join(scratch, 'lego');
  const env = { ...process.env, LEGO_CA_CERTIFICATES: caFile };
  const legoArgs = (name: string) => ['--server', pebble!.directoryUrl, '--email', 'bench@example.com', '--accept-tos', '--http', '--http.port', httpListen, '-d', name, '--path', path, 'run'];
  const setup = await mustSucceed('lego run (account registration, untimed)', await timed(lego, legoArgs('account.lego.renew-bench.example.com'), { env }));
  line('lego setup (untimed)', `account registered with one certificate, ${ms(setup.wallMs)}`);
  const start = performance.now();
  for (const name of namesFor('lego')) await mustSucceed(`lego run -d ${name}`, await timed(lego, legoArgs(name), { env }));
  legoWall = performance.now() - start;
  const crts = readdirSync(join(path, 'certificates')).filter((f) => f.endsWith('.crt') && !f.endsWith('.issuer.crt') && f.includes('.lego.'));
  if (crts.length !== count + 1) await broken(`lego left ${crts.length - 1} certificates, expected ${count}`);
  line(`lego loop`, ms(legoWall));
} else line('lego', skip.has('lego') ? 'skipped (--skip)' : 'not installed (apt-get install lego): not measured');

// --- certbot: `certbot renew --force-renewal` over `count` lineages ---------------------------
let certbotWall: number | undefined;
if (certbot) {
  heading(`certbot: \`certbot renew --force-renewal\` over ${count} lineages`);
  // certbot renews the names its setup validated, with the same account: Pebble's occasional
  // reuse of a valid authorization (see above) can spare it a validation, never certops.
  const dirs = ['config', 'work', 'logs'].flatMap((d) => [`--${d}-dir`, join(scratch, 'certbot', d)]);
  const env = { ...process.env, REQUESTS_CA_BUNDLE: caFile };
  const common = [...dirs, '--non-interactive', '--http-01-port', String(pebble.httpPort), '--http-01-address', '127.0.0.1'];
  const setupStart = performance.now();
  for (const name of namesFor('certbot')) {
    await mustSucceed(`certbot certonly -d ${name} (untimed)`, await timed(certbot, ['certonly', '--standalone', '--server', pebble.directoryUrl, '--agree-tos',
      '--register-unsafely-without-email', '-d', name, ...common], { env }));
  }
  line('certbot setup (untimed)', `${count} lineages by certbot certonly, ${ms(performance.now() - setupStart)}`);
  // Without a terminal, certbot renew first sleeps up to 8 minutes to spread load on the CA; the
  // flag turns that off (it is not part of the work).
  const r = await mustSucceed('certbot renew --force-renewal', await timed(certbot, ['renew', '--force-renewal', '--no-random-sleep-on-renew', ...common], { env }));
  certbotWall = r.wallMs;
  const renewed = readdirSync(join(scratch, 'certbot', 'config', 'archive')).filter((d) => existsSync(join(scratch, 'certbot', 'config', 'archive', d, 'cert2.pem')));
  if (renewed.length !== count) await broken(`certbot renewed ${renewed.length} of ${count} lineages:\n${r.stdout.slice(-2000)}`);
  line('certbot renew', ms(certbotWall));
} else line('certbot', skip.has('certbot') ? 'skipped (--skip)' : 'not installed (apt-get install certbot): not measured');

// --- figures and bars -------------------------------------------------------------------------
heading('renew: figures');
line('certops', `${ms(certopsWall)}  (${ms(certopsWall / count)} per certificate)`);
line('acme-client floor', `${ms(floorWall)}  (${ms(floorWall / count)} per certificate)`);
if (legoWall !== undefined) line('lego', `${ms(legoWall)}  (${ms(legoWall / count)} per certificate)`);
if (certbotWall !== undefined) line('certbot', `${ms(certbotWall)}  (${ms(certbotWall / count)} per certificate)`);
if (certbotWall !== undefined) line('certbot / certops', ratio(certbotWall / certopsWall));
if (legoWall !== undefined) line('lego / certops', ratio(legoWall / certopsWall));
line('certops / acme-client', ratio(certopsWall / floorWall));
{
  // The floor loads acme-client from node_modules, certops one bundle: without start-up the ratio shifts.
  const [c, f] = [certopsWall - median(startups.certops), floorWall - median(startups.floor)];
  line('  the same without start-up', `${ratio(c / f)} (${ms(c)} / ${ms(f)}; not a bar)`);
}
/** A "faster than" bar kept as certops' share of the other's time, so lower is better like every bar. */
const share = (v: number) => `${v.toFixed(3)}x (1/${(1 / v).toFixed(1)})`;
if (certbotWall !== undefined) bar(BENCH, 'certops / certbot', certopsWall / certbotWall, BARS.certbot, 'x', share);
if (legoWall !== undefined) bar(BENCH, 'certops / lego', certopsWall / legoWall, BARS.lego, 'x', share);
bar(BENCH, 'certops / acme-client floor', certopsWall / floorWall, BARS.floor, 'x', ratio);

if (keep) line('scratch (kept)', scratch);
await cleanUp();
process.exitCode = exitStatus(strict);
