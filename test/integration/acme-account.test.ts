// An ACME account found again by its key: no email in the spec, a second issuer on the same key.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AcmeIssuer } from '../../src/issuers/acme/index.js';
import { accountKeyPem, issueRequest } from '../helpers/acme-requests.js';
import { startPebble, type Pebble } from '../helpers/pebble.js';
import { freePort } from '../helpers/ports.js';
import { findProgram, requireProgram } from '../helpers/system.js';

describe('ACME account reuse (Pebble)', () => {
  const available = findProgram('pebble') !== undefined;
  let pebble: Pebble;
  const issuers: AcmeIssuer[] = [];
  before(async () => {
    if (available) pebble = await startPebble({ alwaysValid: true });
  });
  after(async () => {
    for (const i of issuers) await i.close();
    await pebble?.stop();
  });

  it('a second run with the same account key and no email issues without an account update', async (t) => {
    if (!requireProgram(t, 'pebble', 'pebble')) return;
    const key = await accountKeyPem();
    const make = async () => {
      const issuer = new AcmeIssuer({
        name: 'no-email',
        spec: { directory: pebble.directoryUrl, solvers: [{ http01: { listen: `127.0.0.1:${await freePort()}` } }] },
        accountKeyPem: key,
        trust: { caCertificatesPem: [pebble.tls.caPem] },
      });
      issuers.push(issuer);
      return issuer;
    };
    const first = await make();
    await first.obtain(await issueRequest('a', ['a.example.test']));
    const second = await make();
    const issued = await second.obtain(await issueRequest('b', ['b.example.test']));
    assert.match(issued.certificatePem, /BEGIN CERTIFICATE/);
    assert.equal(await second.accountUrl(), await first.accountUrl());
  });
});
