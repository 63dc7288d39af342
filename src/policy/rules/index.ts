import type { Rule } from '../types.js';

const all: Rule[] = [];

/** Every rule by id. */
export const RULES: ReadonlyMap<string, Rule> = new Map(all.map((r) => [r.id, r]));
