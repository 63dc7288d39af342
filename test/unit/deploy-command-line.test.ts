import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shellJoin, shellQuote, splitCommandLine } from '../../src/deploy/command-line.js';
import { fileLayout } from '../../src/deploy/layout.js';
import { chooseServerName } from '../../src/deploy/material.js';
import { redact } from '../../src/process/redact.js';
import { childEnvironment } from '../../src/process/run-command.js';
import { pinnedKnownHosts } from '../../src/deploy/ssh-connection.js';
import { parseAddress } from '../../src/deploy/tls-probe.js';

describe('reload lines are split into argv without a shell', () => {
  it('splits on blanks and honours quotes and backslashes as sh does', () => {
    assert.deepEqual(splitCommandLine('nginx -s reload'), ['nginx', '-s', 'reload']);
    assert.deepEqual(splitCommandLine("  systemctl  reload\t'my unit'  "), ['systemctl', 'reload', 'my unit']);
    assert.deepEqual(splitCommandLine('a "b \\"c\\" d" e\\ f \'\' ""'), ['a', 'b "c" d', 'e f', '', '']);
    assert.deepEqual(splitCommandLine("say 'a|b;c$d'"), ['say', 'a|b;c$d']);
    assert.deepEqual(splitCommandLine('env A=1 cmd'), ['env', 'A=1', 'cmd']);
  });

  it('refuses what only a shell would do, with the character and the way out', () => {
    assert.throws(() => splitCommandLine('nginx -t && nginx -s reload'), /"&" at character 10 needs a shell.*put the commands in a script/);
    assert.throws(() => splitCommandLine('kill -HUP $(cat /run/nginx.pid)'), /"\$" at character 11 needs a shell/);
    assert.throws(() => splitCommandLine('echo "$HOME"'), /\$ inside "\.\.\." .* would be expanded by a shell/);
    assert.throws(() => splitCommandLine('cat *.pem'), /"\*" at character 5/);
    assert.throws(() => splitCommandLine('ls ~/x'), /"~"/);
    assert.throws(() => splitCommandLine('FOO=1 nginx -s reload'), /variable assignment "FOO=1".*env NAME=value/);
    assert.throws(() => splitCommandLine("echo 'open"), /never closed/);
    assert.throws(() => splitCommandLine('   '), /names no program/);
  });

  it('quotes words for the remote shell so they arrive unchanged', () => {
    assert.equal(shellQuote('/usr/sbin/nginx'), '/usr/sbin/nginx');
    assert.equal(shellQuote("it's $x"), `'it'\\''s $x'`);
    assert.equal(shellJoin(['a b', '', 'c']), "'a b' '' c");
  });
});

describe('deploy helpers', () => {
  it('pins bare host keys to [host]:port and keeps full known_hosts lines', () => {
    assert.equal(pinnedKnownHosts('ssh-ed25519 AAAAC3Nz\n# comment\n', '10.0.0.5', 2222), '[10.0.0.5]:2222 ssh-ed25519 AAAAC3Nz\n');
    assert.equal(pinnedKnownHosts('ecdsa-sha2-nistp256 AAAAE2', 'h.example', 22), 'h.example ecdsa-sha2-nistp256 AAAAE2\n');
    assert.equal(pinnedKnownHosts('[h]:2 ssh-rsa AAAAB3\n', 'h', 2), '[h]:2 ssh-rsa AAAAB3\n');
    assert.throws(() => pinnedKnownHosts('# nothing\n', 'h', 22), /no host key line/);
  });

  it('redacts private key blocks and secret lines from command output', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';
    assert.equal(redact(`before\n${key}after`), 'before\n[private key redacted]\nafter');
    assert.equal(redact('x MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg y', [key]), 'x [redacted] y');
  });

  it('keeps action inputs and anything holding a secret out of a command\'s environment', () => {
    const env = childEnvironment({ PATH: '/bin', INPUT_IDENTITY: 'x', AGE: 'AGE-SECRET-KEY-1ABC', OTHER: 'fine' }, ['AGE-SECRET-KEY-1ABC'], { CERTOPS_NAME: 'a' });
    assert.deepEqual(env, { PATH: '/bin', OTHER: 'fine', CERTOPS_NAME: 'a' });
  });

  it('fills {name} into file layouts and refuses names that leave the directory', () => {
    const layout = fileLayout({ dir: '/etc/ssl/{name}', names: { fullchain: '{name}.pem', combined: 'haproxy.pem' }, keyMode: '0640' }, 'api', 'files');
    assert.equal(layout.dir, '/etc/ssl/api');
    assert.deepEqual(layout.names, { cert: 'cert.pem', chain: 'chain.pem', fullchain: 'api.pem', key: 'privkey.pem', combined: 'haproxy.pem' });
    assert.equal(layout.keyMode, 0o640);
    assert.equal(layout.certMode, 0o644);
    assert.throws(() => fileLayout({ dir: '/x', names: { key: '../key.pem' } }, 'a', 'files'), /files\.names\.key "\.\.\/key\.pem" must be a plain file name/);
    assert.throws(() => fileLayout({ dir: 'relative' }, 'a', 'files'), /files\.dir "relative" must be an absolute path/);
    assert.throws(() => fileLayout({ dir: '/x', names: { cert: 'same.pem', chain: 'same.pem' } }, 'a', 'files'), /cert and chain are both "same\.pem"/);
    assert.throws(() => fileLayout({ dir: '/x', certMode: '999' }, 'a', 'files'), /files\.certMode "999" is not an octal file mode/);
  });

  it('chooses the SNI name: a plain DNS name, the commonName, or a name under a wildcard; never an IP', () => {
    assert.equal(chooseServerName({ dnsNames: ['*.example.com', 'www.example.com'] }), 'www.example.com');
    assert.equal(chooseServerName({ commonName: 'cn.example.com', dnsNames: [] }), 'cn.example.com');
    assert.equal(chooseServerName({ dnsNames: ['*.example.com'] }), 'certops-verify.example.com');
    assert.equal(chooseServerName({ commonName: '10.0.0.1', dnsNames: [] }), undefined);
  });

  it('parses verify addresses', () => {
    assert.deepEqual(parseAddress('127.0.0.1:8443'), { host: '127.0.0.1', port: 8443, text: '127.0.0.1:8443' });
    assert.deepEqual(parseAddress('[::1]:443'), { host: '::1', port: 443, text: '[::1]:443' });
    assert.deepEqual(parseAddress('www.example.com'), { host: 'www.example.com', port: 443, text: 'www.example.com' });
    assert.throws(() => parseAddress('host:99999'), /is not host:port/);
  });
});
