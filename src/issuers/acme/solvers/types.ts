/** The challenge types certops answers. */
export type ChallengeType = 'http-01' | 'dns-01';

/** One challenge to answer: what the CA will look for, and where. */
export interface ChallengeTask {
  /** The name or address being validated, as in the authorization (no `*.` for a wildcard). */
  identifier: { type: string; value: string };
  /** The authorization is for `*.<identifier>`. */
  wildcard: boolean;
  type: ChallengeType;
  token: string;
  /**
   * What to publish: for http-01 the key authorization (served at the token's URL), for dns-01
   * the base64url SHA-256 of it (the TXT record's value).
   */
  value: string;
}

/** Publishes a challenge answer where the CA looks, and takes it away again. */
export interface ChallengeSolver {
  readonly type: ChallengeType;
  /** For messages: "http-01 standalone on :80", "dns-01 RFC 2136 via 10.0.0.53". */
  readonly description: string;
  present(task: ChallengeTask): Promise<void>;
  /** Called for every task that present() was called for, even when present() failed. */
  cleanup(task: ChallengeTask): Promise<void>;
}

/** `_acme-challenge.<name>.`: where a dns-01 answer goes (RFC 8555 section 8.4), fully qualified. */
export function dns01RecordName(task: Pick<ChallengeTask, 'identifier'>): string {
  const name = task.identifier.value.replace(/\.$/, '');
  return `_acme-challenge.${name}.`;
}
