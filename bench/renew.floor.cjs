'use strict';
// The floor of the renew benchmark (bench/renew.ts): the least an ACME client must do to get
// N certificates, written straight on acme-client with nothing of certops in it. Per name, at
// `concurrency` names at once: a P-256 key and CSR, newOrder, the authorization, the http-01
// answer from one small listener, completing the challenge and polling it, finalize, the
// certificate. acme-client's polling is tuned as certops tunes it (backoffMin = certops'
// pollMinMs, 100 ms, instead of acme-client's 5 s), and the connection to the CA is kept alive,
// so the floor carries no handicap. Not a benchmark of its own: a .cjs file, which bench/run.mjs
// does not run.
//
//   node bench/renew.floor.cjs <directoryUrl> <ca.pem> <account-key.pem> <http-01 host:port> <concurrency> <pollMinMs> [name...]
//
// Prints the number of certificates obtained (and, on stderr, how many authorizations the CA
// reused). With no names, it only registers the account (or finds it) and prints its URL: the
// benchmark registers every account that way before anything is timed.
const { createServer } = require('node:http');
const { Agent } = require('node:https');
const { readFileSync } = require('node:fs');
const acme = require('acme-client');

const [directoryUrl, caFile, accountKeyFile, listen, concurrencyText, pollMinText, ...names] = process.argv.slice(2);
if (!directoryUrl || !caFile || !accountKeyFile || !listen || !concurrencyText || !pollMinText) {
  console.error('usage: renew.floor.cjs <directoryUrl> <ca.pem> <account-key.pem> <host:port> <concurrency> <pollMinMs> [name...]');
  process.exit(2);
}
const [host, portText] = [listen.slice(0, listen.lastIndexOf(':')), listen.slice(listen.lastIndexOf(':') + 1)];

acme.axios.defaults.httpsAgent = new Agent({ keepAlive: true, ca: readFileSync(caFile, 'utf8') });

const client = new acme.Client({
  directoryUrl,
  accountKey: readFileSync(accountKeyFile, 'utf8'),
  backoffAttempts: 15,
  backoffMin: Number(pollMinText),
  backoffMax: 5000,
});

const answers = new Map();
let reused = 0;
const PREFIX = '/.well-known/acme-challenge/';
const server = createServer((req, res) => {
  const answer = req.url && req.url.startsWith(PREFIX) ? answers.get(req.url.slice(PREFIX.length)) : undefined;
  if (answer === undefined) res.writeHead(404).end();
  else res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(answer);
});

async function obtain(name) {
  const [, csr] = await acme.crypto.createCsr({ commonName: name, altNames: [name] }, await acme.crypto.createPrivateEcdsaKey());
  const order = await client.createOrder({ identifiers: [{ type: 'dns', value: name }] });
  const authorizations = await client.getAuthorizations(order);
  await Promise.all(authorizations.map(async (authz) => {
    // An authorization the CA carried over from an earlier order needs no answer (certops skips
    // them too). The benchmark gives every order fresh names, so this should not happen.
    if (authz.status === 'valid') {
      reused++;
      return;
    }
    const challenge = authz.challenges.find((c) => c.type === 'http-01');
    if (!challenge) throw new Error(`${name}: no http-01 challenge offered`);
    answers.set(challenge.token, await client.getChallengeKeyAuthorization(challenge));
    try {
      await client.completeChallenge(challenge);
      await client.waitForValidStatus(challenge);
    } finally {
      answers.delete(challenge.token);
    }
  }));
  const finalized = await client.finalizeOrder(order, csr);
  const certificate = await client.getCertificate(finalized);
  if (!certificate.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${name}: no certificate`);
}

async function main() {
  // The same account request certops makes for an issuer with an email: an existing account is
  // found by its key, and its contact is sent as an update.
  await client.createAccount({ termsOfServiceAgreed: true, contact: ['mailto:bench@example.com'] });
  if (names.length === 0) return client.getAccountUrl();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(portText), host, resolve);
  });
  let next = 0;
  let obtained = 0;
  const failures = [];
  const worker = async () => {
    for (let i = next++; i < names.length; i = next++) {
      try {
        await obtain(names[i]);
        obtained++;
      } catch (error) {
        failures.push(`${names[i]}: ${error && error.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Number(concurrencyText), names.length) }, worker));
  server.closeAllConnections();
  server.close();
  for (const f of failures) console.error(f);
  return obtained;
}

main().then((obtained) => {
  console.log(String(obtained));
  if (typeof obtained === 'string') process.exit(0);
  if (reused) console.error(`${reused} authorization(s) were already valid`);
  process.exit(obtained === names.length ? 0 : 1);
}, (error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
