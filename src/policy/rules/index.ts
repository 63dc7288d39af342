import type { Rule } from '../types.js';
import { issuedStateRule } from './issued-state.js';
import { keyAlgorithmRule, rotationPolicyRule } from './keys.js';
import { dnsNamesRule, ipSansRule, maxSansRule, wildcardsRule } from './names.js';
import { allowedIssuersRule, deployTargetsRule, ownersRequiredRule } from './ownership.js';
import { noPlaintextKeysRule } from './plaintext-keys.js';
import { policyChangeRule } from './policy-change.js';
import { cabfValidityRule, maxDurationRule, renewalWindowRule } from './validity.js';

const all: Rule[] = [
  allowedIssuersRule,
  dnsNamesRule,
  ipSansRule,
  wildcardsRule,
  maxSansRule,
  keyAlgorithmRule,
  rotationPolicyRule,
  maxDurationRule,
  cabfValidityRule,
  renewalWindowRule,
  ownersRequiredRule,
  deployTargetsRule,
  issuedStateRule,
  noPlaintextKeysRule,
  policyChangeRule,
];

/** Every rule by id, in the order the docs list them. */
export const RULES: ReadonlyMap<string, Rule> = new Map(all.map((r) => [r.id, r]));
