import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { load } from 'js-yaml';
import { parseYaml, readSimpleYaml } from '../../src/manifest/yaml-source.js';

/** The fast reader must give js-yaml's value whenever it accepts a document, and refuse what js-yaml rejects. */
function agrees(source: string): boolean | 'refused' {
  const fast = readSimpleYaml(source);
  if (!fast) return 'refused';
  let reference: unknown;
  try {
    reference = load(source);
  } catch {
    return false;
  }
  return isDeepStrictEqual(fast.value, reference) && JSON.stringify(fast.value) === JSON.stringify(reference);
}

const SCALARS = [
  'a', 'abc def', 'x: y', 'a #c', 'a#b', '1', '-1', '0x1F', '0o17', '1e3', '1.5', '.5', '.inf', '.nan', 'true', 'True', 'FALSE',
  'null', '~', '', '"q"', '"a\\"b"', "'s'", "'it''s'", '"a#b"', '-', '--x', '- x', '?x', ':x', 'a:b', 'a: b', 'a:', 'http://x.y/z',
  'O=a, CN=b', '[a, b]', '[a,b]', '[ a , b ]', '[]', '{}', '{ a: 1 }', '{a: 1}', '{ "a": b }', '{ a: [1, 2], b: { c: d } }', '[a, ]',
  '[, a]', '{ a }', '{ a: }', '[a: b]', '2026-01-01', '"2026-01-01T00:00:00Z"', '&a x', '*a', '!t x', '|', '>', '%x', '@x', 'a  b',
  "'a'b'", '"a" b', '[a] b', '[a] #c', '[a]#c', '0', '+1', '+x', '0b1', '12:30', 'yes', 'on', '=', '/', 'été', 'a,b', 'a]b', '<<', '__proto__',
];
const KEYS = ['a', 'b', 'c', '"a"', "'b'", 'x y', '1', 'true', '~', '<<', '__proto__', 'a:b', 'a #c', '-a', '"a"b', '01'];

/** A small deterministic generator of block YAML around the subset's edges. */
function* documents(count: number): Generator<string> {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pick = <T>(a: readonly T[]) => a[rnd(a.length)]!;
  const block = (indent: number, depth: number): string[] => {
    const pad = ' '.repeat(indent);
    const lines: string[] = [];
    const sequence = rnd(4) === 0;
    for (let i = 0, n = 1 + rnd(4); i < n; i++) {
      if (rnd(10) === 0) lines.push(pad + pick(['# note', '', '  ']));
      const head = sequence ? `${pad}- ` : `${pad}${pick(KEYS)}:`;
      const r = rnd(depth > 3 ? 3 : 6);
      if (r < 3) lines.push(`${head}${sequence ? '' : ' '}${pick(SCALARS)}${rnd(8) === 0 ? ' # c' : ''}`);
      else if (r === 3 && !sequence) lines.push(head, ...block(indent + pick([1, 2, 4]), depth + 1));
      else if (r === 4 && !sequence) lines.push(head, ...block(indent, depth + 1));
      else if (sequence) {
        const inner = block(indent + 2, depth + 1);
        lines.push(`${pad}- ${inner[0]!.trimStart()}`, ...inner.slice(1));
      } else lines.push(`${head} ${pick(SCALARS)}`);
    }
    return lines;
  };
  for (let k = 0; k < count; k++) yield block(0, 0).join('\n') + (rnd(2) ? '\n' : '');
}

describe('readSimpleYaml, the fast path of parseYaml', () => {
  it('reads the shipped policy and a lock file written by certops', () => {
    assert.equal(agrees(readFileSync('policies/baseline.yaml', 'utf8')), true);
    const lock = '# written by certops\nversion: 1\ncertificates:\n  api:\n    serial: 0a1b\n    sha256: 1e5\n    notBefore: "2026-01-01T00:00:00.000Z"\n    issuerDN: O=Example, CN=Example CA\n';
    assert.equal(agrees(lock), true);
    assert.deepEqual(readSimpleYaml(lock)!.value, load(lock));
  });
  it('agrees with js-yaml on every generated document it accepts', () => {
    let accepted = 0;
    for (const doc of documents(20_000)) {
      const result = agrees(doc);
      if (result === 'refused') continue;
      accepted++;
      assert.equal(result, true, `differs from js-yaml on:\n${doc}`);
    }
    assert.ok(accepted > 5_000, `only ${accepted} documents were in the subset`);
  });
  it('leaves to js-yaml what is outside the subset', () => {
    for (const doc of ['a: &x 1\nb: *x\n', 'a: |\n  text\n', 'a: b\n  c\n', 'a: 1\na: 2\n', '--- \na: 1\n', 'a:\tb\n', 'a: "x\\ty"\n', 'just a scalar\n', '']) {
      assert.equal(readSimpleYaml(doc), undefined, doc);
    }
  });
  it('parseYaml reports the same positions and errors with the fast path', () => {
    const parsed = parseYaml('version: 1\ncertificates:\n  - name: web\n    dnsNames: [a.example.com, b.example.com]\n', 'certificates.yaml');
    assert.ok(parsed.ok);
    if (!parsed.ok) return;
    assert.deepEqual(parsed.positions.value('/certificates/0/dnsNames/1'), { line: 4, column: 31 });
    assert.deepEqual(parsed.positions.key('/certificates/0/name'), { line: 3, column: 5 });
    const duplicate = parseYaml('a: 1\na: 2\n', 'x.yaml');
    assert.equal(duplicate.ok, false);
  });
});
