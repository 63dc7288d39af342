import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  AgeError,
  decryptPrivateKey,
  decryptWithIdentity,
  encryptForRecipients,
  encryptPrivateKey,
  generateAgeIdentity,
  identityRecipients,
  isAgeEncrypted,
  parseIdentities,
} from '../../src/keys/age.js';
import { generatePrivateKey, privateKeyToPem } from '../../src/pki/private-key.js';
import { requireProgram } from '../helpers/system.js';

interface AgeTools {
  age: string;
  keygen: string;
  dir: string;
}

async function ageTools(t: TestContext): Promise<AgeTools | undefined> {
  const age = requireProgram(t, 'age', 'age');
  const keygen = age && requireProgram(t, 'age-keygen', 'age');
  if (!age || !keygen) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'certops-age-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return { age, keygen, dir };
}

/** An identity made by the age CLI: the file, its text, and its recipient. */
async function cliIdentity(tools: AgeTools, name: string): Promise<{ file: string; text: string; recipient: string }> {
  const file = join(tools.dir, `${name}.txt`);
  const made = spawnSync(tools.keygen, ['-o', file], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const recipient = spawnSync(tools.keygen, ['-y', file], { encoding: 'utf8' }).stdout.trim();
  assert.match(recipient, /^age1[0-9a-z]+$/);
  return { file, text: await readFile(file, 'utf8'), recipient };
}

function run(program: string, args: string[], input?: string | Uint8Array) {
  return spawnSync(program, args, { input, maxBuffer: 1 << 20 });
}

test('a key we encrypt is decrypted by `age -d -i identity.txt` to the same bytes', async (t) => {
  const tools = await ageTools(t);
  if (!tools) return;
  const deploy = await cliIdentity(tools, 'deploy');
  const other = await cliIdentity(tools, 'other');
  for (const algorithm of ['ECDSA', 'RSA', 'Ed25519'] as const) {
    const pem = privateKeyToPem(await generatePrivateKey({ algorithm, size: algorithm === 'RSA' ? 2048 : algorithm === 'ECDSA' ? 256 : 0 }));
    const encrypted = await encryptPrivateKey(pem, [deploy.recipient, other.recipient]);
    assert.match(encrypted, /^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+-----END AGE ENCRYPTED FILE-----\n$/);
    assert.doesNotMatch(encrypted, /PRIVATE KEY/);
    const file = join(tools.dir, `${algorithm}.key.pem.age`);
    await writeFile(file, encrypted);
    // Each recipient decrypts on its own: the deploy job and a human holding the second identity.
    for (const identity of [deploy, other]) {
      const out = run(tools.age, ['-d', '-i', identity.file, file]);
      assert.equal(out.status, 0, out.stderr.toString());
      assert.equal(out.stdout.toString('utf8'), pem, algorithm);
    }
  }
});

test('an identity we generate works in the age CLI (X25519, not post-quantum)', async (t) => {
  const tools = await ageTools(t);
  if (!tools) return;
  const { identity, recipient } = await generateAgeIdentity();
  assert.match(identity, /^AGE-SECRET-KEY-1[0-9A-Z]+$/);
  assert.match(recipient, /^age1[0-9a-z]{58}$/);
  const file = join(tools.dir, 'ours.txt');
  await writeFile(file, `${identity}\n`, { mode: 0o600 });
  assert.equal(spawnSync(tools.keygen, ['-y', file], { encoding: 'utf8' }).stdout.trim(), recipient);
  const out = run(tools.age, ['-d', '-i', file], await encryptForRecipients('hello', [recipient]));
  assert.equal(out.status, 0, out.stderr.toString());
  assert.equal(out.stdout.toString(), 'hello');
});

test('files encrypted by `age -r` (binary and armored) are decrypted by our code', async (t) => {
  const tools = await ageTools(t);
  if (!tools) return;
  const deploy = await cliIdentity(tools, 'deploy');
  const pem = privateKeyToPem(await generatePrivateKey({ algorithm: 'ECDSA', size: 256 }));

  const binary = run(tools.age, ['-r', deploy.recipient], pem);
  assert.equal(binary.status, 0, binary.stderr.toString());
  assert.ok(isAgeEncrypted(binary.stdout));
  assert.equal(await decryptPrivateKey(binary.stdout, deploy.text), pem);

  const armored = run(tools.age, ['-a', '-r', deploy.recipient], pem);
  assert.equal(armored.status, 0, armored.stderr.toString());
  assert.ok(isAgeEncrypted(armored.stdout.toString()));
  assert.equal(await decryptPrivateKey(armored.stdout.toString(), deploy.text), pem);
  // The identity file as age-keygen wrote it (comments included), or the bare key from a secret.
  assert.equal(await decryptPrivateKey(armored.stdout, parseIdentities(deploy.text)[0]!), pem);
});

test('the wrong identity gets a clear error that names its recipient and no secret', async (t) => {
  const tools = await ageTools(t);
  if (!tools) return;
  const deploy = await cliIdentity(tools, 'deploy');
  const stranger = await cliIdentity(tools, 'stranger');
  const fromCli = run(tools.age, ['-r', deploy.recipient], 'secret').stdout;
  const fromUs = await encryptForRecipients('secret', [deploy.recipient]);
  for (const file of [fromCli, fromUs]) {
    const err = await decryptWithIdentity(file, stranger.text).then(
      () => assert.fail('decrypted with the wrong identity'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AgeError);
    assert.equal(err.code, 'wrong-identity');
    assert.match(err.message, /encrypted to other recipients/);
    assert.ok(err.message.includes(stranger.recipient), err.message);
    assert.doesNotMatch(err.message, /AGE-SECRET-KEY/);
  }
  // And the CLI agrees that this identity cannot decrypt what we wrote.
  const cli = run(tools.age, ['-d', '-i', stranger.file], fromUs);
  assert.notEqual(cli.status, 0);
});

test('not an age file, no recipients, bad recipients, bad identities, damaged files: each has its own error', async () => {
  const { identity, recipient } = await generateAgeIdentity();
  const code = async (p: Promise<unknown>) =>
    p.then(
      () => 'resolved',
      (e: unknown) => (e instanceof AgeError ? e.code : `not an AgeError: ${String(e)}`),
    );

  assert.equal(await code(decryptWithIdentity('-----BEGIN PRIVATE KEY-----\n', identity)), 'not-age');
  assert.equal(await code(encryptForRecipients('x', [])), 'no-recipients');
  await assert.rejects(encryptForRecipients('x', []), /recipients:.*certificates\.yaml/);
  assert.equal(await code(encryptForRecipients('x', ['age1nope'])), 'invalid-recipient');
  assert.equal(await code(encryptForRecipients('x', ['ssh-ed25519 AAAA'])), 'invalid-recipient');
  assert.equal(await code(encryptPrivateKey('not a key', [recipient])), 'unexpected-content');

  const file = await encryptForRecipients('x', [recipient]);
  assert.equal(await code(decryptWithIdentity(file, '# only a comment\n')), 'no-identity');
  assert.equal(await code(decryptWithIdentity(file, 'hunter2')), 'invalid-identity');
  await assert.rejects(decryptWithIdentity(file, 'hunter2'), (e: Error) => !e.message.includes('hunter2'));
  // Right shape, wrong checksum: one character changed.
  const broken = identity.slice(0, -1) + (identity.endsWith('Q') ? 'P' : 'Q');
  assert.equal(await code(decryptWithIdentity(file, broken)), 'invalid-identity');
  assert.equal(await code(decryptPrivateKey(file, identity)), 'unexpected-content');

  // One payload character changed: the armor still decodes, the authentication does not.
  const lines = file.split('\n');
  const i = lines.length - 3;
  lines[i] = lines[i]!.slice(0, 4) + (lines[i]![4] === 'A' ? 'B' : 'A') + lines[i]!.slice(5);
  assert.equal(await code(decryptWithIdentity(lines.join('\n'), identity)), 'corrupt');
  assert.equal(await code(decryptWithIdentity(file.replace('-----END AGE ENCRYPTED FILE-----', ''), identity)), 'corrupt');
  assert.equal(await code(decryptWithIdentity(file, identity)), 'resolved');
});

test('isAgeEncrypted tells age files (binary, armored) from anything else', async () => {
  const { recipient } = await generateAgeIdentity();
  const armored = await encryptForRecipients('x', [recipient]);
  assert.ok(isAgeEncrypted(armored));
  assert.ok(isAgeEncrypted(`\n  ${armored}`));
  assert.ok(isAgeEncrypted(Buffer.from(armored)));
  assert.ok(isAgeEncrypted(Buffer.from('age-encryption.org/v1\n-> X25519 abc\n')));
  assert.ok(!isAgeEncrypted('-----BEGIN PRIVATE KEY-----\nMIG...\n'));
  assert.ok(!isAgeEncrypted(Buffer.from([0xff, 0xfe, 0x00, 0x01])));
  assert.ok(!isAgeEncrypted('age-encryption.org/v2\n'));
  assert.ok(!isAgeEncrypted(''));
});

test('identityRecipients reads an age-keygen file and returns the public keys', async () => {
  const a = await generateAgeIdentity();
  const b = await generateAgeIdentity();
  const text = `# created: 2024-01-01T00:00:00Z\n# public key: ${a.recipient}\n${a.identity}\n\n${b.identity}\r\n`;
  assert.deepEqual(await identityRecipients(text), [a.recipient, b.recipient]);
});
