import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';
import type { ChallengeSolver, ChallengeTask } from './types.js';

const PREFIX = '/.well-known/acme-challenge/';

/**
 * One listener per address, shared by every order that needs it at the same time (renewals run
 * in parallel, and two listeners cannot bind one port). It starts with the first challenge and
 * closes when the last one is cleaned up.
 */
class ChallengeListener {
  readonly answers = new Map<string, string>();
  users = 0;
  private server: Server | undefined;
  private starting: Promise<void> | undefined;

  constructor(readonly host: string | undefined, readonly port: number) {}

  async acquire(): Promise<void> {
    this.users++;
    try {
      this.starting ??= this.listen();
      await this.starting;
    } catch (err) {
      this.users--;
      this.starting = undefined;
      throw err;
    }
  }

  async release(): Promise<void> {
    this.users--;
    if (this.users > 0 || !this.server) return;
    const server = this.server;
    this.server = undefined;
    this.starting = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // A validator's kept-alive connection would otherwise hold close() open.
      server.closeAllConnections();
    });
  }

  private listen(): Promise<void> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const answer = req.method === 'GET' && path.startsWith(PREFIX) ? this.answers.get(path.slice(PREFIX.length)) : undefined;
      if (answer === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(answer);
    });
    return new Promise((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`http-01 listener cannot listen on ${this.host ?? '*'}:${this.port}: ${err.message}`)));
      server.listen({ port: this.port, ...(this.host ? { host: this.host } : {}) }, () => {
        this.server = server;
        resolve();
      });
    });
  }
}

const listeners = new Map<string, ChallengeListener>();

/** http-01 answered by a listener of certops' own on `listen` (`host:port`, `:port` or `port`). */
export class StandaloneHttp01Solver implements ChallengeSolver {
  readonly type = 'http-01';
  readonly description: string;
  private readonly host: string | undefined;
  private readonly port: number;

  constructor(listen: string | undefined) {
    ({ host: this.host, port: this.port } = parseListen(listen ?? ':80'));
    this.description = `http-01 standalone on ${this.host ?? '*'}:${this.port}`;
  }

  async present(task: ChallengeTask): Promise<void> {
    const key = `${this.host ?? '*'}:${this.port}`;
    let listener = listeners.get(key);
    if (!listener) {
      listener = new ChallengeListener(this.host, this.port);
      listeners.set(key, listener);
    }
    listener.answers.set(task.token, task.value);
    try {
      await listener.acquire();
    } catch (err) {
      listener.answers.delete(task.token);
      throw err;
    }
  }

  async cleanup(task: ChallengeTask): Promise<void> {
    const key = `${this.host ?? '*'}:${this.port}`;
    const listener = listeners.get(key);
    if (!listener || !listener.answers.delete(task.token)) return;
    await listener.release();
    if (listener.users === 0 && listeners.get(key) === listener) listeners.delete(key);
  }
}

/** `host:port`, `[v6]:port`, `:port` or `port`; no host means every address. */
export function parseListen(listen: string): { host: string | undefined; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen) ?? (/^\d+$/.test(listen) ? [listen, undefined, '', listen] : null);
  const host = match?.[1] ?? (match?.[2] || undefined);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`http01.listen "${listen}" is not host:port, [IPv6]:port, :port or a port number`);
  }
  if (match[1] !== undefined && isIP(match[1]) !== 6) throw new Error(`http01.listen "${listen}": ${match[1]} is not an IPv6 address`);
  return { host, port };
}
