import type { PrivateKeySpec } from '../../manifest/types.js';
import type { Rule } from '../types.js';
import { fieldLocation } from './locate.js';
import { onlyKeys } from './params.js';

interface AllowedKey {
  algorithm: PrivateKeySpec['algorithm'];
  minSize?: number;
  sizes?: number[];
}

function describeKey(k: PrivateKeySpec): string {
  return k.algorithm === 'Ed25519' ? 'Ed25519' : k.algorithm === 'ECDSA' ? `ECDSA P-${k.size}` : `RSA ${k.size}`;
}

function describeAllowed(a: AllowedKey): string {
  if (a.algorithm === 'Ed25519') return 'Ed25519';
  if (a.sizes) return `${a.algorithm} ${a.sizes.map((s) => (a.algorithm === 'ECDSA' ? `P-${s}` : String(s))).join('/')}`;
  if (a.minSize) return `${a.algorithm} >= ${a.minSize}`;
  return a.algorithm;
}

function keyAllowed(key: PrivateKeySpec, allow: readonly AllowedKey[]): boolean {
  return allow.some(
    (a) => a.algorithm === key.algorithm && (a.minSize === undefined || key.size >= a.minSize) && (a.sizes === undefined || a.sizes.includes(key.size)),
  );
}

export const keyAlgorithmRule: Rule = {
  id: 'key-algorithm',
  summary: 'Private keys use an allowed algorithm and size.',
  help: 'Set privateKey.algorithm and privateKey.size to an allowed combination (for example ECDSA 256, RSA 3072 or Ed25519).',
  scope: 'certificate',
  validate(config) {
    const problems: string[] = [];
    onlyKeys(config, ['allow'], problems);
    const allow = config.allow;
    if (!Array.isArray(allow) || allow.length === 0) problems.push('"allow" must list at least one {algorithm, minSize?, sizes?}.');
    else
      allow.forEach((a: unknown, i) => {
        const e = a as Record<string, unknown>;
        if (typeof a !== 'object' || a === null || !['RSA', 'ECDSA', 'Ed25519'].includes(e.algorithm as string)) problems.push(`allow[${i}].algorithm must be RSA, ECDSA or Ed25519.`);
        for (const k of Object.keys(e ?? {})) if (!['algorithm', 'minSize', 'sizes'].includes(k)) problems.push(`allow[${i}] has the unknown key "${k}".`);
        if (e?.minSize !== undefined && typeof e.minSize !== 'number') problems.push(`allow[${i}].minSize must be a number.`);
        if (e?.sizes !== undefined && (!Array.isArray(e.sizes) || e.sizes.some((s) => typeof s !== 'number'))) problems.push(`allow[${i}].sizes must be a list of numbers.`);
      });
    return problems;
  },
  check(ctx, config, _policy, cert) {
    const allow = config.allow as AllowedKey[];
    const key = cert!.privateKey;
    if (keyAllowed(key, allow)) return [];
    return [{ ...fieldLocation(ctx, cert!, 'privateKey'), message: `${describeKey(key)} is not an allowed key; use one of: ${allow.map(describeAllowed).join(', ')}.` }];
  },
};

export const rotationPolicyRule: Rule = {
  id: 'rotation-policy',
  summary: 'Private keys follow the required rotation policy.',
  help: 'Set privateKey.rotationPolicy: Always, so every renewal gets a new key and a leaked key dies with its certificate.',
  scope: 'certificate',
  validate(config) {
    const problems: string[] = [];
    onlyKeys(config, ['require'], problems);
    if (config.require !== 'Always' && config.require !== 'Never') problems.push('"require" must be Always or Never.');
    return problems;
  },
  check(ctx, config, _policy, cert) {
    if (cert!.privateKey.rotationPolicy === config.require) return [];
    return [{ ...fieldLocation(ctx, cert!, 'privateKey'), message: `${cert!.name} has privateKey.rotationPolicy ${cert!.privateKey.rotationPolicy}; policy requires ${String(config.require)}.` }];
  },
};
