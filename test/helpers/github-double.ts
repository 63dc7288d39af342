import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitHubGraphql, GraphqlGap, GraphqlRefusal } from './github-graphql.js';
import { GitHubOpenApi, type Operation } from './github-openapi.js';

/**
 * A local stand-in for the GitHub REST endpoints certops calls (pull requests, labels, reviewers,
 * issues, deployments and their statuses, the repository). Every request and every response is
 * checked against GitHub's OpenAPI description: a request GitHub would reject, a path GitHub does not have, an endpoint the double
 * does not serve, or a response GitHub would not send is recorded in `violations` and answered
 * 500 with the problems, so a test cannot pass on a call real GitHub would refuse.
 *
 * POST /graphql is served the same way against GitHub's GraphQL schema (@octokit/graphql-schema):
 * a query the schema rejects, or a field the double does not model, is a violation, answered with
 * GraphQL `errors` as GitHub answers an invalid query.
 */

export interface GitHubDoubleOptions {
  owner?: string;
  repo?: string;
  defaultBranch?: string;
  /** When set, every request must carry it (`Authorization: token ...` or `Bearer ...`). */
  token?: string;
  /** Login of the token's user: the author of what certops creates. */
  actor?: string;
  /**
   * Resolves a branch to its commit, as GitHub does against the repository; undefined: no such
   * branch. Default: every branch exists (a sha derived from its name). See `branchesOfGitRepo`.
   */
  branchSha?: (branch: string) => string | undefined;
  /** Logins that may be requested as reviewers; default: anyone. */
  collaborators?: string[];
  /** Team slugs of the organisation; default: any slug is a team. */
  teams?: string[];
  /** The clock for created_at/updated_at; default the system clock. */
  now?: () => Date;
  /** Initial `autoMergePolicy`; default: auto-merge allowed and the base branch requires checks. */
  autoMerge?: Partial<AutoMergePolicy>;
}

/**
 * What decides whether GitHub accepts enablePullRequestAutoMerge: the repository setting "Allow
 * auto-merge", and a base branch whose protection makes the pull request wait (required checks or
 * reviews); without the latter the pull request is mergeable at once and GitHub refuses.
 */
export interface AutoMergePolicy {
  allowed: boolean;
  requiresChecks: boolean;
}

/** Auto-merge enabled on a pull request (GraphQL AutoMergeRequest, REST auto_merge). */
export interface AutoMergeRecord {
  mergeMethod: 'MERGE' | 'SQUASH' | 'REBASE';
  enabledAt: string;
  enabledBy: string;
  commitHeadline: string;
  commitBody: string;
  authorEmail: string | null;
}

export interface Exchange {
  method: string;
  path: string;
  query: Record<string, string>;
  operationId?: string;
  pathParams: Record<string, string>;
  /** Parsed JSON request body, undefined when there was none. */
  body: unknown;
  status: number;
  /** Parsed JSON response body. */
  response: unknown;
  /** Answered by a test's interceptor rather than the double's handlers. */
  intercepted: boolean;
}

export interface Violation {
  method: string;
  path: string;
  operationId?: string;
  problems: string[];
}

export interface IssueRecord {
  number: number;
  id: number;
  nodeId: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: 'completed' | 'reopened' | 'not_planned' | 'duplicate' | null;
  /** Label names, in the order they were added. */
  labels: string[];
  assignees: string[];
  user: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Present when the issue is a pull request. */
  pull?: PullRecord;
}

export interface PullRecord {
  id: number;
  nodeId: string;
  head: string;
  base: string;
  /** The head commit when the pull request was created or last resolved. */
  headSha: string;
  draft: boolean;
  maintainerCanModify: boolean;
  requestedReviewers: string[];
  requestedTeams: string[];
  /** Set by the GraphQL mutation enablePullRequestAutoMerge. */
  autoMerge?: AutoMergeRecord;
}

export interface DeploymentRecord {
  id: number;
  nodeId: string;
  /** The commit the ref resolved to when the deployment was created. */
  sha: string;
  ref: string;
  task: string;
  payload: Record<string, unknown> | string;
  environment: string;
  description: string | null;
  transientEnvironment: boolean;
  productionEnvironment: boolean;
  creator: string;
  createdAt: string;
  updatedAt: string;
  /** Oldest first. */
  statuses: DeploymentStatusRecord[];
}

export interface DeploymentStatusRecord {
  id: number;
  nodeId: string;
  state: 'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';
  description: string;
  environment: string;
  logUrl: string;
  environmentUrl: string;
  creator: string;
  createdAt: string;
}

export interface InterceptedRequest {
  method: string;
  path: string;
  operationId: string;
  pathParams: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** How many requests for this operation came before this one. */
  attempt: number;
}

/** A reply a test substitutes for the double's own (fault injection: 502, 403 secondary rate limit). */
export interface InterceptReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Interceptor = (request: InterceptedRequest) => InterceptReply | undefined | void;

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

class ApiError extends Error {
  constructor(readonly status: number, readonly body: unknown) {
    super(`GitHub double: ${status}`);
  }
}

/** Something GitHub serves that the double does not: a violation, so no test passes on a half-served call. */
class DoubleGap extends Error {}

const DOCS = 'https://docs.github.com/rest';
const BOT_LOGIN = 'github-actions[bot]';
const BOT_ID = 41898282;

export class GitHubDouble {
  readonly requests: Exchange[] = [];
  readonly violations: Violation[] = [];
  /** Issues and pull requests by number (they share one sequence, as on GitHub). */
  readonly issues = new Map<number, IssueRecord>();
  /** Repository labels by lower-case name. */
  readonly labels = new Map<string, { id: number; name: string; color: string; description: string | null }>();
  /** Deployments by id, in creation order. */
  readonly deployments = new Map<number, DeploymentRecord>();
  readonly owner: string;
  readonly repo: string;
  readonly defaultBranch: string;
  readonly actor: string;
  /** Mutable so one test can make the double refuse auto-merge and the next accept it again. */
  readonly autoMergePolicy: AutoMergePolicy;
  url = '';

  private readonly api = GitHubOpenApi.load();
  /** Loaded on the first GraphQL request: most tests never send one. */
  private graphqlSchema: GitHubGraphql | undefined;
  private readonly options: GitHubDoubleOptions;
  private readonly users = new Map<string, { id: number; type: 'User' | 'Bot' | 'Organization' }>();
  private readonly interceptors: Interceptor[] = [];
  private readonly attempts = new Map<string, number>();
  private readonly server: Server;
  private nextId = 1000;
  private readonly repoId = 700001;
  private readonly createdAt: string;

  constructor(options: GitHubDoubleOptions = {}) {
    this.options = options;
    this.owner = options.owner ?? 'octo-org';
    this.repo = options.repo ?? 'certificates';
    this.defaultBranch = options.defaultBranch ?? 'main';
    this.actor = options.actor ?? BOT_LOGIN;
    this.autoMergePolicy = { allowed: true, requiresChecks: true, ...options.autoMerge };
    this.createdAt = this.timestamp();
    this.users.set(this.owner.toLowerCase(), { id: 500001, type: 'Organization' });
    this.users.set(BOT_LOGIN, { id: BOT_ID, type: 'Bot' });
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.violations.push({ method: req.method ?? '?', path: req.url ?? '?', problems: [`the double crashed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`] });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'github-double crashed' }));
      });
    });
  }

  /** Starts listening on 127.0.0.1 on a free port; `url` is the API base URL. */
  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Runs before the double's own handler, after the request passed validation; return a reply to answer instead. */
  intercept(interceptor: Interceptor): void {
    this.interceptors.push(interceptor);
  }

  /** The pull requests, in number order. */
  pulls(): (IssueRecord & { pull: PullRecord })[] {
    return [...this.issues.values()].filter((i): i is IssueRecord & { pull: PullRecord } => i.pull !== undefined);
  }

  /** Requests for one operation, e.g. `pulls/create`. */
  requestsFor(operationId: string): Exchange[] {
    return this.requests.filter((r) => r.operationId === operationId);
  }

  /** Creates a pull request directly in the state, as if someone else had opened it. */
  seedPull(fields: { title: string; head: string; base?: string; body?: string | null; user?: string; state?: 'open' | 'closed'; labels?: string[] }): IssueRecord & { pull: PullRecord } {
    const record = this.newIssue({ title: fields.title, body: fields.body ?? null, user: fields.user ?? this.actor, labels: fields.labels ?? [] });
    record.pull = { id: this.id(), nodeId: '', head: fields.head, base: fields.base ?? this.defaultBranch, headSha: this.shaOf(fields.head) ?? fakeSha(fields.head), draft: false, maintainerCanModify: false, requestedReviewers: [], requestedTeams: [] };
    record.pull.nodeId = nodeId('PR_', record.pull.id);
    if (fields.state === 'closed') this.close_(record);
    return record as IssueRecord & { pull: PullRecord };
  }

  /** Creates an issue directly in the state. */
  seedIssue(fields: { title: string; body?: string | null; user?: string; labels?: string[]; state?: 'open' | 'closed' }): IssueRecord {
    const record = this.newIssue({ title: fields.title, body: fields.body ?? null, user: fields.user ?? this.actor, labels: fields.labels ?? [] });
    if (fields.state === 'closed') this.close_(record);
    return record;
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    const exchange: Exchange = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), pathParams: {}, body: undefined, status: 0, response: undefined, intercepted: false };
    this.requests.push(exchange);
    const fail = (problems: string[], operationId?: string) => {
      this.violations.push({ method, path: url.pathname + url.search, ...(operationId ? { operationId } : {}), problems });
      this.send(res, exchange, { status: 500, body: { message: 'github-double: this exchange breaks GitHub\'s OpenAPI description', errors: problems } });
    };

    if (raw.length > 0) {
      try {
        exchange.body = JSON.parse(raw);
      } catch {
        fail([`request body is not JSON: ${raw.slice(0, 80)}`]);
        return;
      }
    }
    if (this.options.token !== undefined) {
      const auth = req.headers.authorization ?? '';
      if (auth !== `token ${this.options.token}` && auth !== `Bearer ${this.options.token}`) {
        this.violations.push({ method, path: url.pathname, problems: [`missing or wrong Authorization header (${auth ? 'wrong token' : 'none'})`] });
        this.send(res, exchange, { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' } });
        return;
      }
    }

    if (url.pathname === '/graphql') {
      await this.handleGraphql(method, url, exchange, res);
      return;
    }

    const match = this.api.match(method, url.pathname);
    if (!match) {
      fail([`${method} ${url.pathname} is not an endpoint of GitHub's REST API description`]);
      return;
    }
    const { operation, pathParams } = match;
    exchange.operationId = operation.operationId;
    exchange.pathParams = pathParams;
    const requestProblems = this.api.validateRequest(operation, { pathParams, query: url.searchParams, body: exchange.body });
    if (requestProblems.length > 0) {
      fail(requestProblems, operation.operationId);
      return;
    }

    const attempt = this.attempts.get(operation.operationId) ?? 0;
    this.attempts.set(operation.operationId, attempt + 1);
    for (const interceptor of this.interceptors) {
      const reply = interceptor({ method, path: url.pathname, operationId: operation.operationId, pathParams, query: url.searchParams, body: exchange.body, attempt });
      if (reply) {
        exchange.intercepted = true;
        this.send(res, exchange, reply);
        return;
      }
    }

    const handler = this.handlers[operation.operationId];
    if (!handler) {
      fail([`the GitHub double does not serve ${operation.operationId} (${method} ${operation.template}); add it to test/helpers/github-double.ts`], operation.operationId);
      return;
    }
    let reply: Reply;
    try {
      if (!this.isOurRepo(pathParams)) throw notFound();
      reply = handler({ pathParams, query: url.searchParams, body: exchange.body as Record<string, unknown> | undefined, operation });
    } catch (error) {
      if (error instanceof DoubleGap) {
        fail([error.message], operation.operationId);
        return;
      }
      if (!(error instanceof ApiError)) throw error;
      reply = { status: error.status, body: error.body };
    }
    const responseProblems = this.api.validateResponse(operation, reply.status, reply.body);
    if (responseProblems.length > 0) {
      fail(responseProblems.map((p) => `the double's own ${p}`), operation.operationId);
      return;
    }
    this.send(res, exchange, reply);
  }

  /**
   * POST /graphql, checked against GitHub's GraphQL schema and answered by executing the query over
   * the double's state. GitHub answers a query its schema rejects with HTTP 200 and `errors` (no
   * `data`); the double answers alike, and records the violation.
   */
  private async handleGraphql(method: string, url: URL, exchange: Exchange, res: ServerResponse): Promise<void> {
    exchange.operationId = 'graphql';
    const fail = (problems: string[]) => {
      this.violations.push({ method, path: url.pathname, operationId: 'graphql', problems });
      this.send(res, exchange, { status: 200, body: { errors: problems.map((message) => ({ message })) } });
    };
    if (method !== 'POST') {
      fail([`${method} /graphql: GitHub's GraphQL API is POST /graphql`]);
      return;
    }
    this.graphqlSchema ??= GitHubGraphql.load();
    const { problems, request } = this.graphqlSchema.check(exchange.body);
    if (!request) {
      fail(problems);
      return;
    }
    const attempt = this.attempts.get('graphql') ?? 0;
    this.attempts.set('graphql', attempt + 1);
    for (const interceptor of this.interceptors) {
      const reply = interceptor({ method, path: url.pathname, operationId: 'graphql', pathParams: {}, query: url.searchParams, body: exchange.body, attempt });
      if (reply) {
        exchange.intercepted = true;
        this.send(res, exchange, reply);
        return;
      }
    }
    const answer = await this.graphqlSchema.execute(request, this.graphqlRoot());
    if (answer.problems.length > 0) {
      fail(answer.problems);
      return;
    }
    this.send(res, exchange, { status: 200, body: answer.body });
  }

  /** The root fields the double serves; they read and change the same state as the REST handlers. */
  private graphqlRoot(): Record<string, unknown> {
    return {
      enablePullRequestAutoMerge: ({ input }: { input: Record<string, unknown> }) => {
        const id = String(input.pullRequestId);
        const pr = this.pulls().find((p) => p.pull.nodeId === id);
        if (!pr) throw new GraphqlRefusal('NOT_FOUND', `Could not resolve to a node with the global id of '${id}'.`);
        if (input.expectedHeadOid !== undefined && input.expectedHeadOid !== null) throw new GraphqlGap('enablePullRequestAutoMerge with expectedHeadOid: the double does not compare head commits; add it to test/helpers/github-double.ts');
        // The order of GitHub's checks: the repository setting first, then the pull request's state.
        if (!this.autoMergePolicy.allowed) throw new GraphqlRefusal('UNPROCESSABLE', 'Auto merge is not allowed for this repository');
        if (pr.state !== 'open') throw new GraphqlRefusal('UNPROCESSABLE', 'Pull request is not in the correct state to enable auto-merge');
        // Nothing to wait for: GitHub refuses rather than merging at once (its message repeats "Pull request").
        if (!this.autoMergePolicy.requiresChecks) throw new GraphqlRefusal('UNPROCESSABLE', 'Pull request Pull request is in clean status');
        // Coercion has applied the schema's default (MERGE) when mergeMethod was omitted.
        const mergeMethod = input.mergeMethod as AutoMergeRecord['mergeMethod'];
        pr.pull.autoMerge = {
          mergeMethod,
          enabledAt: this.timestamp(),
          enabledBy: this.actor,
          commitHeadline: typeof input.commitHeadline === 'string' ? input.commitHeadline : mergeMethod === 'MERGE' ? `Merge pull request #${pr.number} from ${this.owner}/${pr.pull.head}` : `${pr.title} (#${pr.number})`,
          commitBody: typeof input.commitBody === 'string' ? input.commitBody : '',
          authorEmail: typeof input.authorEmail === 'string' ? input.authorEmail : null,
        };
        pr.updatedAt = this.timestamp();
        return { clientMutationId: input.clientMutationId ?? null, actor: this.graphqlActor(this.actor), pullRequest: this.graphqlPull(pr) };
      },
    };
  }

  /** A PullRequest object with the fields the double models; others are gaps (see GitHubGraphql). */
  private graphqlPull(pr: IssueRecord & { pull: PullRecord }): Record<string, unknown> {
    const auto = pr.pull.autoMerge;
    return {
      id: pr.pull.nodeId,
      number: pr.number,
      title: pr.title,
      url: `${this.url}/${this.owner}/${this.repo}/pull/${pr.number}`,
      state: pr.state === 'open' ? 'OPEN' : 'CLOSED',
      isDraft: pr.pull.draft,
      headRefName: pr.pull.head,
      baseRefName: pr.pull.base,
      autoMergeRequest: auto
        ? {
            mergeMethod: auto.mergeMethod,
            enabledAt: auto.enabledAt,
            enabledBy: this.graphqlActor(auto.enabledBy),
            commitHeadline: auto.commitHeadline,
            commitBody: auto.commitBody,
            authorEmail: auto.authorEmail,
            pullRequest: () => this.graphqlPull(pr),
          }
        : null,
    };
  }

  /** Actor is an interface: __typename tells graphql-js which object type it is. */
  private graphqlActor(login: string): Record<string, unknown> {
    const type = String(this.user(login).type);
    return { __typename: type === 'Bot' ? 'Bot' : type === 'Organization' ? 'Organization' : 'User', login };
  }

  private send(res: ServerResponse, exchange: Exchange, reply: Reply): void {
    exchange.status = reply.status;
    exchange.response = reply.body;
    const headers: Record<string, string> = {
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      ...reply.headers,
    };
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers);
      res.end();
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(reply.body));
  }

  private isOurRepo(pathParams: Record<string, string>): boolean {
    if (pathParams.owner === undefined) return true;
    return pathParams.owner.toLowerCase() === this.owner.toLowerCase() && (pathParams.repo ?? '').toLowerCase() === this.repo.toLowerCase();
  }

  // ---------------------------------------------------------------- handlers

  private readonly handlers: Record<string, (r: { pathParams: Record<string, string>; query: URLSearchParams; body: Record<string, unknown> | undefined; operation: Operation }) => Reply> = {
    'repos/get': () => ({ status: 200, body: this.fullRepository() }),

    'pulls/list': ({ query }) => {
      this.unsupported(query, ['state', 'head', 'base', 'sort', 'direction', 'per_page', 'page']);
      const state = query.get('state') ?? 'open';
      let items = this.pulls().filter((p) => state === 'all' || p.state === state);
      const head = query.get('head');
      if (head !== null) {
        const colon = head.indexOf(':');
        if (colon < 0) {
          // GitHub ignores a head filter without its owner and returns every pull request: a classic bug.
          this.violations.push({ method: 'GET', path: `/repos/${this.owner}/${this.repo}/pulls`, operationId: 'pulls/list', problems: [`head filter "${head}" has no owner; GitHub silently ignores it (use "${this.owner}:${head}")`] });
        } else {
          const owner = head.slice(0, colon);
          const branch = head.slice(colon + 1);
          items = owner.toLowerCase() === this.owner.toLowerCase() ? items.filter((p) => p.pull.head === branch) : [];
        }
      }
      const base = query.get('base');
      if (base !== null) items = items.filter((p) => p.pull.base === base);
      items = sortRecords(items, query.get('sort') ?? 'created', query.get('direction') ?? (query.get('sort') && query.get('sort') !== 'created' ? 'asc' : 'desc'));
      return this.page(items, query, '/pulls', (p) => this.pullRequest(p, 'simple'));
    },

    'pulls/create': ({ body }) => {
      const b = body ?? {};
      if (b.issue !== undefined) throw this.unsupportedField('pulls/create', 'issue');
      if (typeof b.title !== 'string' || b.title.trim() === '') throw validation('PullRequest', 'title', 'missing_field');
      let head = String(b.head);
      const colon = head.indexOf(':');
      if (colon >= 0) {
        if (head.slice(0, colon).toLowerCase() !== this.owner.toLowerCase()) throw validation('PullRequest', 'head', 'invalid');
        head = head.slice(colon + 1);
      }
      const base = String(b.base);
      const baseSha = this.shaOf(base);
      if (!baseSha) throw validation('PullRequest', 'base', 'invalid');
      const headSha = this.shaOf(head);
      if (!headSha) throw validation('PullRequest', 'head', 'invalid');
      if (this.pulls().some((p) => p.state === 'open' && p.pull.head === head && p.pull.base === base)) {
        throw custom('PullRequest', `A pull request already exists for ${this.owner}:${head}.`);
      }
      // Equal tips is the common "nothing to merge" case; the double does not walk history.
      if (headSha === baseSha) throw custom('PullRequest', `No commits between ${base} and ${head}`);
      const record = this.newIssue({ title: b.title, body: typeof b.body === 'string' ? b.body : null, user: this.actor, labels: [] });
      const id = this.id();
      record.pull = { id, nodeId: nodeId('PR_', id), head, base, headSha, draft: b.draft === true, maintainerCanModify: b.maintainer_can_modify === true, requestedReviewers: [], requestedTeams: [] };
      const pr = record as IssueRecord & { pull: PullRecord };
      return { status: 201, body: this.pullRequest(pr, 'full'), headers: { location: `${this.repoApi()}/pulls/${record.number}` } };
    },

    'pulls/get': ({ pathParams }) => ({ status: 200, body: this.pullRequest(this.pullOr404(pathParams.pull_number), 'full') }),

    'pulls/update': ({ pathParams, body }) => {
      const pr = this.pullOr404(pathParams.pull_number);
      const b = body ?? {};
      if (typeof b.base === 'string') {
        if (!this.shaOf(b.base)) throw validation('PullRequest', 'base', 'invalid');
        pr.pull.base = b.base;
      }
      if (typeof b.title === 'string') pr.title = b.title;
      if (typeof b.body === 'string') pr.body = b.body;
      if (typeof b.maintainer_can_modify === 'boolean') pr.pull.maintainerCanModify = b.maintainer_can_modify;
      if (b.state === 'closed' && pr.state === 'open') this.close_(pr);
      if (b.state === 'open' && pr.state === 'closed') {
        if (this.pulls().some((p) => p !== pr && p.state === 'open' && p.pull.head === pr.pull.head && p.pull.base === pr.pull.base)) {
          throw custom('PullRequest', `A pull request already exists for ${this.owner}:${pr.pull.head}.`);
        }
        pr.state = 'open';
        pr.closedAt = null;
        pr.stateReason = 'reopened';
      }
      pr.updatedAt = this.timestamp();
      return { status: 200, body: this.pullRequest(pr, 'full') };
    },

    'pulls/request-reviewers': ({ pathParams, body }) => {
      const pr = this.pullOr404(pathParams.pull_number);
      const users = ((body?.reviewers as string[] | undefined) ?? []);
      const teams = ((body?.team_reviewers as string[] | undefined) ?? []);
      if (users.length === 0 && teams.length === 0) throw new DoubleGap('a review request without reviewers or team_reviewers: the caller should not send it');
      if (users.some((u) => u.toLowerCase() === pr.user.toLowerCase())) throw custom('PullRequest', 'Review cannot be requested from pull request author.');
      const collaborators = this.options.collaborators?.map((c) => c.toLowerCase());
      const knownTeams = this.options.teams?.map((t) => t.toLowerCase());
      if ((collaborators && users.some((u) => !collaborators.includes(u.toLowerCase()))) || (knownTeams && teams.some((t) => !knownTeams.includes(t.toLowerCase())))) {
        throw custom('PullRequest', `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${this.owner}/${this.repo} repository.`);
      }
      for (const u of users) if (!pr.pull.requestedReviewers.some((x) => x.toLowerCase() === u.toLowerCase())) pr.pull.requestedReviewers.push(u);
      for (const t of teams) if (!pr.pull.requestedTeams.some((x) => x.toLowerCase() === t.toLowerCase())) pr.pull.requestedTeams.push(t);
      pr.updatedAt = this.timestamp();
      return { status: 201, body: this.pullRequest(pr, 'simple') };
    },

    'issues/add-labels': ({ pathParams, body }) => {
      const issue = this.issueOr404(pathParams.issue_number);
      const names = ((body?.labels as unknown[] | undefined) ?? []).map((l) => (typeof l === 'string' ? l : String((l as { name: string }).name)));
      for (const name of names) this.addLabel(issue, name);
      issue.updatedAt = this.timestamp();
      return { status: 200, body: issue.labels.map((n) => this.label(n)) };
    },

    'issues/list-for-repo': ({ query }) => {
      this.unsupported(query, ['state', 'labels', 'creator', 'assignee', 'sort', 'direction', 'since', 'per_page', 'page']);
      const state = query.get('state') ?? 'open';
      let items = [...this.issues.values()].filter((i) => state === 'all' || i.state === state);
      const labels = query.get('labels');
      if (labels) {
        const wanted = labels.split(',').map((l) => l.trim().toLowerCase()).filter(Boolean);
        items = items.filter((i) => wanted.every((w) => i.labels.some((l) => l.toLowerCase() === w)));
      }
      const creator = query.get('creator');
      if (creator) items = items.filter((i) => i.user.toLowerCase() === creator.toLowerCase());
      const assignee = query.get('assignee');
      if (assignee === 'none') items = items.filter((i) => i.assignees.length === 0);
      else if (assignee === '*') items = items.filter((i) => i.assignees.length > 0);
      else if (assignee) items = items.filter((i) => i.assignees.some((a) => a.toLowerCase() === assignee.toLowerCase()));
      const since = query.get('since');
      if (since) items = items.filter((i) => Date.parse(i.updatedAt) >= Date.parse(since));
      items = sortRecords(items, query.get('sort') ?? 'created', query.get('direction') ?? 'desc');
      return this.page(items, query, '/issues', (i) => this.issue(i));
    },

    'issues/create': ({ body }) => {
      const b = body ?? {};
      for (const field of ['milestone', 'type', 'issue_field_values'] as const) if (b[field] !== undefined && b[field] !== null) throw this.unsupportedField('issues/create', field);
      const record = this.newIssue({ title: String(b.title), body: typeof b.body === 'string' ? b.body : null, user: this.actor, labels: [] });
      for (const l of (b.labels as unknown[] | undefined) ?? []) this.addLabel(record, typeof l === 'string' ? l : String((l as { name?: string }).name));
      record.assignees = [...((b.assignees as string[] | undefined) ?? []), ...(typeof b.assignee === 'string' ? [b.assignee] : [])];
      return { status: 201, body: this.issue(record), headers: { location: `${this.repoApi()}/issues/${record.number}` } };
    },

    'issues/update': ({ pathParams, body }) => {
      const issue = this.issueOr404(pathParams.issue_number);
      const b = body ?? {};
      for (const field of ['milestone', 'type', 'issue_field_values', 'duplicate_issue_id'] as const) if (b[field] !== undefined && b[field] !== null) throw this.unsupportedField('issues/update', field);
      if (b.title !== undefined && b.title !== null) issue.title = String(b.title);
      if (b.body !== undefined) issue.body = b.body === null ? null : String(b.body);
      if (Array.isArray(b.labels)) {
        issue.labels = [];
        for (const l of b.labels) this.addLabel(issue, typeof l === 'string' ? l : String((l as { name?: string }).name));
      }
      if (Array.isArray(b.assignees)) issue.assignees = b.assignees.map(String);
      if (b.state === 'closed' && issue.state === 'open') {
        this.close_(issue);
        issue.stateReason = (b.state_reason as IssueRecord['stateReason']) ?? 'completed';
      } else if (b.state === 'open' && issue.state === 'closed') {
        issue.state = 'open';
        issue.closedAt = null;
        issue.stateReason = 'reopened';
      }
      issue.updatedAt = this.timestamp();
      return { status: 200, body: this.issue(issue) };
    },

    'repos/list-deployments': ({ query }) => {
      this.unsupported(query, ['sha', 'ref', 'task', 'environment', 'per_page', 'page']);
      let items = [...this.deployments.values()].reverse();
      for (const [param, key] of [['sha', 'sha'], ['ref', 'ref'], ['task', 'task'], ['environment', 'environment']] as const) {
        const wanted = query.get(param);
        if (wanted !== null) items = items.filter((d) => d[key] === wanted);
      }
      return this.page(items, query, '/deployments', (d) => this.deployment(d));
    },

    'repos/create-deployment': ({ body }) => {
      const b = body ?? {};
      const ref = String(b.ref);
      // Merging the default branch into the ref needs history the double does not keep.
      if (b.auto_merge !== false && ref !== this.defaultBranch) throw new DoubleGap('repos/create-deployment with auto_merge (default true): the double does not merge the default branch into the ref; pass auto_merge: false');
      // GitHub checks every commit status context unless told otherwise; the double keeps no statuses.
      if (!Array.isArray(b.required_contexts) || b.required_contexts.length > 0) throw new DoubleGap('repos/create-deployment without required_contexts: [] makes GitHub check commit statuses, which the double does not keep');
      const sha = /^[0-9a-f]{40}$/.test(ref) ? ref : this.shaOf(ref);
      if (!sha) throw new ApiError(422, { message: `No ref found for: ${ref}`, documentation_url: `${DOCS}/deployments/deployments#create-a-deployment`, status: '422' });
      const environment = typeof b.environment === 'string' ? b.environment : 'production';
      const now = this.timestamp();
      const id = this.id();
      const record: DeploymentRecord = {
        id,
        nodeId: nodeId('DE_', id),
        sha,
        ref,
        task: typeof b.task === 'string' ? b.task : 'deploy',
        payload: (b.payload as DeploymentRecord['payload'] | undefined) ?? {},
        environment,
        description: b.description === null ? null : typeof b.description === 'string' ? b.description : '',
        transientEnvironment: b.transient_environment === true,
        productionEnvironment: typeof b.production_environment === 'boolean' ? b.production_environment : environment === 'production',
        creator: this.actor,
        createdAt: now,
        updatedAt: now,
        statuses: [],
      };
      this.deployments.set(id, record);
      return { status: 201, body: this.deployment(record) };
    },

    'repos/create-deployment-status': ({ pathParams, body }) => {
      const deployment = this.deploymentOr404(pathParams.deployment_id);
      const b = body ?? {};
      if (b.environment !== undefined && b.environment !== deployment.environment) throw this.unsupportedField('repos/create-deployment-status', 'environment');
      const logUrl = typeof b.log_url === 'string' && b.log_url ? b.log_url : typeof b.target_url === 'string' ? b.target_url : '';
      // GitHub then answers target_url: "", which its own description (format: uri) rejects.
      if (!logUrl) throw new DoubleGap('a deployment status without log_url or target_url: GitHub answers target_url "", which its description declares a URI; pass log_url');
      const description = typeof b.description === 'string' ? b.description : '';
      if ([...description].length > 140) {
        throw new ApiError(422, { message: 'Validation Failed', errors: [{ resource: 'DeploymentStatus', field: 'description', code: 'custom', message: 'description is too long (maximum is 140 characters)' }], documentation_url: `${DOCS}/deployments/statuses#create-a-deployment-status`, status: '422' });
      }
      const state = String(b.state) as DeploymentStatusRecord['state'];
      const now = this.timestamp();
      const id = this.id();
      const status: DeploymentStatusRecord = { id, nodeId: nodeId('DES_', id), state, description, environment: deployment.environment, logUrl, environmentUrl: typeof b.environment_url === 'string' ? b.environment_url : '', creator: this.actor, createdAt: now };
      deployment.statuses.push(status);
      deployment.updatedAt = now;
      if (state === 'success' && b.auto_inactive !== false) this.inactivatePrevious(deployment);
      return { status: 201, body: this.deploymentStatus(deployment, status), headers: { location: `${this.repoApi()}/deployments/${deployment.id}/statuses/${id}` } };
    },

    'repos/list-deployment-statuses': ({ pathParams, query }) => {
      this.unsupported(query, ['per_page', 'page']);
      const deployment = this.deploymentOr404(pathParams.deployment_id);
      return this.page([...deployment.statuses].reverse(), query, `/deployments/${deployment.id}/statuses`, (s) => this.deploymentStatus(deployment, s));
    },
  };

  // ---------------------------------------------------------------- state helpers

  private newIssue(fields: { title: string; body: string | null; user: string; labels: string[] }): IssueRecord {
    const number = this.issues.size + 1;
    const now = this.timestamp();
    const id = this.id();
    const record: IssueRecord = { number, id, nodeId: nodeId('I_', id), title: fields.title, body: fields.body, state: 'open', stateReason: null, labels: [], assignees: [], user: fields.user, createdAt: now, updatedAt: now, closedAt: null };
    for (const l of fields.labels) this.addLabel(record, l);
    this.issues.set(number, record);
    return record;
  }

  private close_(record: IssueRecord): void {
    record.state = 'closed';
    record.closedAt = this.timestamp();
    record.updatedAt = record.closedAt;
  }

  /**
   * GitHub creates a label that does not exist yet when it is added to an issue. Its description is
   * '' rather than null: pull-request-simple declares label descriptions as non-nullable strings.
   */
  private addLabel(issue: IssueRecord, name: string): void {
    const key = name.toLowerCase();
    if (!this.labels.has(key)) this.labels.set(key, { id: this.id(), name, color: 'ededed', description: '' });
    const canonical = this.labels.get(key)!.name;
    if (!issue.labels.some((l) => l.toLowerCase() === key)) issue.labels.push(canonical);
  }

  private pullOr404(number: string | undefined): IssueRecord & { pull: PullRecord } {
    const record = this.issues.get(Number(number));
    if (!record?.pull) throw notFound();
    return record as IssueRecord & { pull: PullRecord };
  }

  private issueOr404(number: string | undefined): IssueRecord {
    const record = this.issues.get(Number(number));
    if (!record) throw notFound();
    return record;
  }

  private deploymentOr404(id: string | undefined): DeploymentRecord {
    const record = this.deployments.get(Number(id));
    if (!record) throw notFound();
    return record;
  }

  /** GitHub's auto_inactive: a success retires the earlier successful deployments to the same environment. */
  private inactivatePrevious(current: DeploymentRecord): void {
    for (const d of this.deployments.values()) {
      if (d.id >= current.id || d.environment !== current.environment || d.transientEnvironment || d.productionEnvironment) continue;
      const last = d.statuses.at(-1);
      if (last?.state !== 'success') continue;
      const id = this.id();
      d.statuses.push({ ...last, id, nodeId: nodeId('DES_', id), state: 'inactive', description: '', creator: this.actor, createdAt: this.timestamp() });
      d.updatedAt = this.timestamp();
    }
  }

  private shaOf(branch: string): string | undefined {
    return this.options.branchSha ? this.options.branchSha(branch) : fakeSha(branch);
  }

  /** Query parameters GitHub supports but the double does not filter by: a test would pass on a lie. */
  private unsupported(query: URLSearchParams, served: string[]): void {
    for (const name of query.keys()) {
      if (!served.includes(name)) throw new DoubleGap(`query parameter ${name} is valid on GitHub but the double does not filter by it; add it to test/helpers/github-double.ts`);
    }
  }

  private unsupportedField(operationId: string, field: string): DoubleGap {
    return new DoubleGap(`the double does not serve the "${field}" field of ${operationId}; add it to test/helpers/github-double.ts`);
  }

  private page<T>(items: T[], query: URLSearchParams, path: string, render: (item: T) => unknown): Reply {
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30)));
    const page = Math.max(1, Number(query.get('page') ?? 1));
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const link = (p: number, rel: string) => {
      const q = new URLSearchParams(query);
      q.set('page', String(p));
      q.set('per_page', String(perPage));
      return `<${this.repoApi()}${path}?${q}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    return { status: 200, body: slice.map(render), ...(links.length > 0 ? { headers: { link: links.join(', ') } } : {}) };
  }

  private id(): number {
    return ++this.nextId;
  }

  private timestamp(): string {
    return (this.options.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  // ---------------------------------------------------------------- factories (GitHub's shapes)

  private repoApi(): string {
    return `${this.url}/repos/${this.owner}/${this.repo}`;
  }

  private user(login: string): Record<string, unknown> {
    let known = this.users.get(login.toLowerCase());
    if (!known) {
      known = { id: 600000 + this.users.size, type: login.endsWith('[bot]') ? 'Bot' : 'User' };
      this.users.set(login.toLowerCase(), known);
    }
    const enc = encodeURIComponent(login);
    const api = `${this.url}/users/${enc}`;
    return {
      login,
      id: known.id,
      node_id: nodeId(known.type === 'Bot' ? 'BOT_' : known.type === 'Organization' ? 'O_' : 'U_', known.id),
      avatar_url: `https://avatars.githubusercontent.com/u/${known.id}?v=4`,
      gravatar_id: '',
      url: api,
      html_url: known.type === 'Bot' ? `${this.url}/apps/${encodeURIComponent(login.replace(/\[bot\]$/, ''))}` : `${this.url}/${enc}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: known.type,
      user_view_type: 'public',
      site_admin: false,
    };
  }

  /** The `repository` shape (pull request head and base). */
  private repository(): Record<string, unknown> {
    const api = this.repoApi();
    const html = `${this.url}/${this.owner}/${this.repo}`;
    return {
      id: this.repoId,
      node_id: nodeId('R_', this.repoId),
      name: this.repo,
      full_name: `${this.owner}/${this.repo}`,
      owner: this.user(this.owner),
      private: true,
      html_url: html,
      description: 'Certificates managed by certops',
      fork: false,
      url: api,
      archive_url: `${api}/{archive_format}{/ref}`,
      assignees_url: `${api}/assignees{/user}`,
      blobs_url: `${api}/git/blobs{/sha}`,
      branches_url: `${api}/branches{/branch}`,
      collaborators_url: `${api}/collaborators{/collaborator}`,
      comments_url: `${api}/comments{/number}`,
      commits_url: `${api}/commits{/sha}`,
      compare_url: `${api}/compare/{base}...{head}`,
      contents_url: `${api}/contents/{+path}`,
      contributors_url: `${api}/contributors`,
      deployments_url: `${api}/deployments`,
      downloads_url: `${api}/downloads`,
      events_url: `${api}/events`,
      forks_url: `${api}/forks`,
      git_commits_url: `${api}/git/commits{/sha}`,
      git_refs_url: `${api}/git/refs{/sha}`,
      git_tags_url: `${api}/git/tags{/sha}`,
      git_url: `git://127.0.0.1/${this.owner}/${this.repo}.git`,
      issue_comment_url: `${api}/issues/comments{/number}`,
      issue_events_url: `${api}/issues/events{/number}`,
      issues_url: `${api}/issues{/number}`,
      keys_url: `${api}/keys{/key_id}`,
      labels_url: `${api}/labels{/name}`,
      languages_url: `${api}/languages`,
      merges_url: `${api}/merges`,
      milestones_url: `${api}/milestones{/number}`,
      notifications_url: `${api}/notifications{?since,all,participating}`,
      pulls_url: `${api}/pulls{/number}`,
      releases_url: `${api}/releases{/id}`,
      ssh_url: `git@127.0.0.1:${this.owner}/${this.repo}.git`,
      stargazers_url: `${api}/stargazers`,
      statuses_url: `${api}/statuses/{sha}`,
      subscribers_url: `${api}/subscribers`,
      subscription_url: `${api}/subscription`,
      tags_url: `${api}/tags`,
      teams_url: `${api}/teams`,
      trees_url: `${api}/git/trees{/sha}`,
      clone_url: `${html}.git`,
      mirror_url: null,
      hooks_url: `${api}/hooks`,
      svn_url: html,
      homepage: null,
      language: null,
      forks_count: 0,
      forks: 0,
      stargazers_count: 0,
      watchers_count: 0,
      watchers: 0,
      size: 42,
      default_branch: this.defaultBranch,
      open_issues_count: [...this.issues.values()].filter((i) => i.state === 'open').length,
      open_issues: [...this.issues.values()].filter((i) => i.state === 'open').length,
      is_template: false,
      topics: [],
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_downloads: true,
      archived: false,
      disabled: false,
      visibility: 'private',
      pushed_at: this.createdAt,
      created_at: this.createdAt,
      updated_at: this.createdAt,
      allow_forking: false,
      license: null,
    };
  }

  /** The `full-repository` shape (GET /repos/{owner}/{repo}). */
  private fullRepository(): Record<string, unknown> {
    return {
      ...this.repository(),
      has_discussions: false,
      subscribers_count: 1,
      network_count: 0,
      permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
      allow_auto_merge: this.autoMergePolicy.allowed,
      allow_merge_commit: true,
      allow_squash_merge: true,
      allow_rebase_merge: true,
      delete_branch_on_merge: true,
      organization: this.user(this.owner),
    };
  }

  private label(name: string): Record<string, unknown> {
    const l = this.labels.get(name.toLowerCase())!;
    return { id: l.id, node_id: nodeId('LA_', l.id), url: `${this.repoApi()}/labels/${encodeURIComponent(l.name)}`, name: l.name, description: l.description, color: l.color, default: false };
  }

  private team(slug: string, full: boolean): Record<string, unknown> {
    const id = 800000 + [...slug].reduce((a, c) => (a * 31 + c.charCodeAt(0)) % 100000, 7);
    const api = `${this.url}/organizations/500001/team/${id}`;
    const base = {
      id,
      node_id: nodeId('T_', id),
      url: api,
      html_url: `${this.url}/orgs/${this.owner}/teams/${slug}`,
      name: slug,
      slug,
      description: null,
      privacy: 'closed',
      notification_setting: 'notifications_enabled',
      permission: 'pull',
      members_url: `${api}/members{/member}`,
      repositories_url: `${api}/repos`,
      type: 'organization',
      organization_id: 500001,
    };
    return full ? { ...base, parent: null } : base;
  }

  private pullRequest(record: IssueRecord & { pull: PullRecord }, shape: 'full' | 'simple'): Record<string, unknown> {
    const p = record.pull;
    const api = `${this.repoApi()}/pulls/${record.number}`;
    const html = `${this.url}/${this.owner}/${this.repo}/pull/${record.number}`;
    const issueApi = `${this.repoApi()}/issues/${record.number}`;
    const headSha = this.shaOf(p.head) ?? p.headSha;
    p.headSha = headSha;
    const side = (ref: string, sha: string) => ({ label: `${this.owner}:${ref}`, ref, sha, user: this.user(this.owner), repo: this.repository() });
    const common = {
      url: api,
      id: p.id,
      node_id: p.nodeId,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: issueApi,
      commits_url: `${api}/commits`,
      review_comments_url: `${api}/comments`,
      review_comment_url: `${this.repoApi()}/pulls/comments{/number}`,
      comments_url: `${issueApi}/comments`,
      statuses_url: `${this.repoApi()}/statuses/${headSha}`,
      number: record.number,
      state: record.state,
      locked: false,
      title: record.title,
      user: this.user(record.user),
      body: record.body,
      labels: record.labels.map((n) => this.label(n)),
      milestone: null,
      active_lock_reason: null,
      created_at: record.createdAt,
      updated_at: record.updatedAt,
      closed_at: record.closedAt,
      merged_at: null,
      merge_commit_sha: null,
      assignee: record.assignees[0] ? this.user(record.assignees[0]) : null,
      assignees: record.assignees.map((a) => this.user(a)),
      requested_reviewers: p.requestedReviewers.map((u) => this.user(u)),
      requested_teams: p.requestedTeams.map((t) => this.team(t, shape === 'simple')),
      head: side(p.head, headSha),
      base: side(p.base, this.shaOf(p.base) ?? fakeSha(p.base)),
      _links: {
        self: { href: api },
        html: { href: html },
        issue: { href: issueApi },
        comments: { href: `${issueApi}/comments` },
        review_comments: { href: `${api}/comments` },
        review_comment: { href: `${this.repoApi()}/pulls/comments{/number}` },
        commits: { href: `${api}/commits` },
        statuses: { href: `${this.repoApi()}/statuses/${headSha}` },
      },
      author_association: 'NONE',
      auto_merge: p.autoMerge
        ? { enabled_by: this.user(p.autoMerge.enabledBy), merge_method: p.autoMerge.mergeMethod.toLowerCase(), commit_title: p.autoMerge.commitHeadline, commit_message: p.autoMerge.commitBody }
        : null,
      draft: p.draft,
    };
    if (shape === 'simple') return common;
    return {
      ...common,
      merged: false,
      mergeable: true,
      rebaseable: true,
      mergeable_state: 'clean',
      merged_by: null,
      comments: 0,
      review_comments: 0,
      maintainer_can_modify: p.maintainerCanModify,
      commits: 1,
      additions: 1,
      deletions: 0,
      changed_files: 1,
    };
  }

  /** The `deployment` shape. */
  private deployment(d: DeploymentRecord): Record<string, unknown> {
    const api = `${this.repoApi()}/deployments/${d.id}`;
    return {
      url: api,
      id: d.id,
      node_id: d.nodeId,
      sha: d.sha,
      ref: d.ref,
      task: d.task,
      payload: d.payload,
      original_environment: d.environment,
      environment: d.environment,
      description: d.description,
      creator: this.user(d.creator),
      created_at: d.createdAt,
      updated_at: d.updatedAt,
      statuses_url: `${api}/statuses`,
      repository_url: this.repoApi(),
      transient_environment: d.transientEnvironment,
      production_environment: d.productionEnvironment,
      performed_via_github_app: null,
    };
  }

  /** The `deployment-status` shape; environment_url is left out when empty, as its description makes it a URI. */
  private deploymentStatus(d: DeploymentRecord, s: DeploymentStatusRecord): Record<string, unknown> {
    const api = `${this.repoApi()}/deployments/${d.id}`;
    return {
      url: `${api}/statuses/${s.id}`,
      id: s.id,
      node_id: s.nodeId,
      state: s.state,
      creator: this.user(s.creator),
      description: s.description,
      environment: s.environment,
      target_url: s.logUrl,
      log_url: s.logUrl,
      ...(s.environmentUrl ? { environment_url: s.environmentUrl } : {}),
      created_at: s.createdAt,
      updated_at: s.createdAt,
      deployment_url: api,
      repository_url: this.repoApi(),
      performed_via_github_app: null,
    };
  }

  private issue(record: IssueRecord): Record<string, unknown> {
    const api = `${this.repoApi()}/issues/${record.number}`;
    const html = `${this.url}/${this.owner}/${this.repo}/${record.pull ? 'pull' : 'issues'}/${record.number}`;
    return {
      id: record.id,
      node_id: record.nodeId,
      url: api,
      repository_url: this.repoApi(),
      labels_url: `${api}/labels{/name}`,
      comments_url: `${api}/comments`,
      events_url: `${api}/events`,
      html_url: html,
      number: record.number,
      state: record.state,
      state_reason: record.stateReason,
      title: record.title,
      body: record.body,
      user: this.user(record.user),
      labels: record.labels.map((n) => this.label(n)),
      assignee: record.assignees[0] ? this.user(record.assignees[0]) : null,
      assignees: record.assignees.map((a) => this.user(a)),
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: 0,
      ...(record.pull ? { pull_request: { url: `${this.repoApi()}/pulls/${record.number}`, html_url: html, diff_url: `${html}.diff`, patch_url: `${html}.patch`, merged_at: null }, draft: record.pull.draft } : {}),
      closed_at: record.closedAt,
      created_at: record.createdAt,
      updated_at: record.updatedAt,
      closed_by: record.state === 'closed' ? this.user(this.actor) : null,
      timeline_url: `${api}/timeline`,
      author_association: 'NONE',
      performed_via_github_app: null,
      reactions: { url: `${api}/reactions`, total_count: 0, '+1': 0, '-1': 0, laugh: 0, hooray: 0, confused: 0, heart: 0, rocket: 0, eyes: 0 },
    };
  }
}

/** Starts a double; close it in the test's `after`. */
export async function startGitHubDouble(options: GitHubDoubleOptions = {}): Promise<GitHubDouble> {
  return new GitHubDouble(options).listen();
}

/** Resolves branches against a real (bare) git repository, as GitHub resolves them against its copy. */
export function branchesOfGitRepo(gitDir: string): (branch: string) => string | undefined {
  return (branch) => {
    try {
      return execFileSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], { cwd: gitDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
    } catch {
      return undefined;
    }
  };
}

function notFound(): ApiError {
  return new ApiError(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
}

/** GitHub's 422 for a field: `{ message: 'Validation Failed', errors: [{ resource, field, code }] }`. */
function validation(resource: string, field: string, code: string): ApiError {
  return new ApiError(422, { message: 'Validation Failed', errors: [{ resource, field, code }], documentation_url: `${DOCS}/pulls/pulls#create-a-pull-request`, status: '422' });
}

/** GitHub's 422 with a custom message (duplicate pull request, no commits, reviewers). */
function custom(resource: string, message: string): ApiError {
  return new ApiError(422, { message: 'Validation Failed', errors: [{ resource, code: 'custom', message }], documentation_url: `${DOCS}/pulls/pulls#create-a-pull-request`, status: '422' });
}

function sortRecords<T extends IssueRecord>(items: T[], sort: string, direction: string): T[] {
  const key = (i: T) => (sort === 'updated' ? Date.parse(i.updatedAt) : Date.parse(i.createdAt));
  const sign = direction === 'asc' ? 1 : -1;
  return [...items].sort((a, b) => sign * (key(a) - key(b) || a.number - b.number));
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}kwDO${Buffer.from(`certops-double:${id}`).toString('base64url')}`;
}

function fakeSha(text: string): string {
  return createHash('sha1').update(`branch:${text}`).digest('hex');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
