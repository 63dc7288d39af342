// dns-01 through a real bind9: the RFC 2136 solver updates the zone with nsupdate and TSIG,
// and Pebble's VA resolves the TXT records through that same bind9 (`pebble -dnsserver`).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it, type TestContext } from 'node:test';
import { AcmeIssuer, type AcmeIssuerOptions } from '../../src/issuers/acme/index.js';
import { Rfc2136Dns01Solver } from '../../src/issuers/acme/solvers/dns01-rfc2136.js';
import { describeCertificate, readCertificateChain } from '../../src/pki/certificate-info.js';
import { accountKeyPem, issueRequest, opensslVerify } from '../helpers/acme-requests.js';
import { startBind9, type Bind9 } from '../helpers/bind9.js';
import { startPebble, type Pebble } from '../helpers/pebble.js';
import { findProgram, requireProgram } from '../helpers/system.js';

const run = promisify(execFile);

const PROGRAMS: [string, string][] = [
  ['pebble', 'pebble'], ['openssl', 'openssl'], ['named', 'bind9'], ['tsig-keygen', 'bind9'],
  ['nsupdate', 'bind9-dnsutils'], ['dig', 'bind9-dnsutils'],
];
const available = PROGRAMS.every(([program]) => findProgram(program));

function needPrograms(t: TestContext): boolean {
  return PROGRAMS.every(([program, pkg]) => requireProgram(t, program, pkg) !== undefined);
}

const ZONE = 'certops.test';
const NAMES = ['api.certops.test', 'www.certops.test', 'manual.certops.test'];

describe('dns-01 through RFC 2136 (nsupdate + TSIG) against bind9, validated by Pebble', () => {
  let bind: Bind9;
  let pebble: Pebble;
  const issuers: AcmeIssuer[] = [];

  before(async () => {
    if (!available) return;
    bind = await startBind9({ zone: ZONE, names: NAMES, named: findProgram('named')!, tsigKeygen: findProgram('tsig-keygen')! });
    pebble = await startPebble({ dnsServer: bind.address, nonceRejectPercent: 0 });
  });

  after(async () => {
    for (const issuer of issuers) await issuer.close();
    await pebble?.stop();
    await bind?.stop();
  });

  /** TXT values of a name as `dig` sees them on the test server. */
  async function dig(name: string): Promise<string[]> {
    const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(bind.port), 'TXT', name, '+short']);
    return stdout.split('\n').filter(Boolean).map((line) => line.replace(/^"|"$/g, ''));
  }

  function rfc2136(env: NodeJS.ProcessEnv): Partial<AcmeIssuerOptions> & { spec: AcmeIssuerOptions['spec'] } {
    return {
      spec: {
        directory: pebble.directoryUrl,
        solvers: [{ dns01: { rfc2136: { server: bind.address, tsigKeyName: bind.keyName, tsigAlgorithm: bind.keyAlgorithm, tsigSecret: 'CERTOPS_TEST_TSIG' } } }],
      },
      env,
      tuning: { nsupdatePath: findProgram('nsupdate')! },
    };
  }

  async function issuer(env: NodeJS.ProcessEnv): Promise<AcmeIssuer> {
    const created = new AcmeIssuer({ name: 'bind', accountKeyPem: await accountKeyPem(), trust: { caCertificatesPem: [pebble.tls.caPem] }, ...rfc2136(env) });
    issuers.push(created);
    return created;
  }

  it('publishes the TXT record with a signed update and deletes exactly that value afterwards', async (t) => {
    if (!needPrograms(t)) return;
    const solver = new Rfc2136Dns01Solver(
      { server: bind.address, tsigKeyName: bind.keyName, tsigAlgorithm: bind.keyAlgorithm, tsigSecret: bind.keySecret },
      { nsupdatePath: findProgram('nsupdate')!, timeoutMs: 10_000 },
    );
    const task = (value: string) => ({ identifier: { type: 'dns', value: 'manual.certops.test' }, wildcard: false, type: 'dns-01' as const, token: 't', value });
    await solver.present(task('first-value'));
    await solver.present(task('second-value'));
    assert.deepEqual((await dig('_acme-challenge.manual.certops.test')).sort(), ['first-value', 'second-value']);
    await solver.cleanup(task('first-value'));
    assert.deepEqual(await dig('_acme-challenge.manual.certops.test'), ['second-value'], 'only the cleaned-up value goes');
    await solver.cleanup(task('second-value'));
    assert.deepEqual(await dig('_acme-challenge.manual.certops.test'), []);
  });

  it('issues for two names through bind9, and no TXT record is left after', async (t) => {
    if (!needPrograms(t)) return;
    const acme = await issuer({ CERTOPS_TEST_TSIG: bind.keySecret });
    const started = Date.now();
    const issued = await acme.obtain(await issueRequest('api', ['api.certops.test', 'www.certops.test']));
    t.diagnostic(`issued through RFC 2136 in ${Date.now() - started} ms (account creation included)`);
    assert.deepEqual(describeCertificate(readCertificateChain(issued.certificatePem)[0]!).dnsNames.sort(), ['api.certops.test', 'www.certops.test']);
    assert.match(await opensslVerify(issued.certificatePem, pebble.rootPem), /OK/);
    assert.deepEqual(await dig('_acme-challenge.api.certops.test'), []);
    assert.deepEqual(await dig('_acme-challenge.www.certops.test'), []);
  });

  it('fails clearly when the TSIG secret is wrong or missing, without printing it', async (t) => {
    if (!needPrograms(t)) return;
    const wrong = Buffer.alloc(32, 7).toString('base64');
    await assert.rejects((await issuer({ CERTOPS_TEST_TSIG: wrong })).obtain(await issueRequest('api', ['api.certops.test'])), (error: Error) => {
      t.diagnostic(error.message);
      assert.match(error.message, /api\.certops\.test \(dns-01 RFC 2136 via 127\.0\.0\.1:\d+\): RFC 2136 update of _acme-challenge\.api\.certops\.test\. at 127\.0\.0\.1:\d+ failed/);
      assert.ok(!error.message.includes(wrong), 'the secret is not in the message');
      return true;
    });
    await assert.rejects((await issuer({})).obtain(await issueRequest('api', ['api.certops.test'])), /the TSIG secret CERTOPS_TEST_TSIG .* is not set in the environment/);
    assert.deepEqual(await dig('_acme-challenge.api.certops.test'), []);
  });
});
