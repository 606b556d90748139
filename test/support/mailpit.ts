import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/stack';
import { toolPaths } from '../../scripts/tools';
import { eventually } from './http';
import { signalAndWait } from './processes';

/*
 * The buyer's inbox, as the tests read it: the run's Mailpit (started by the global setup) receives
 * every email the product sends, and its HTTP API shows them (/api/v1/messages, /api/v1/message/{ID}).
 */

export interface MailSummary {
  ID: string;
  MessageID: string;
  Subject: string;
  To: { Name: string; Address: string }[];
  Created: string;
}

export interface MailMessage extends MailSummary {
  From: { Name: string; Address: string };
  Text: string;
  HTML: string;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (the global setup starts Mailpit)`);
  return value;
}

/** SMTP_URL of the run's Mailpit. */
export const testSmtpUrl = () => required('KAMIFLOW_TEST_SMTP_URL');

export class Inbox {
  constructor(readonly apiUrl: string = required('KAMIFLOW_TEST_MAILPIT_URL')) {}

  private async json<T>(path: string): Promise<T> {
    const res = await fetch(`${this.apiUrl}${path}`);
    if (!res.ok) throw new Error(`Mailpit ${path}: ${res.status}`);
    return (await res.json()) as T;
  }

  /** Every email to this address, oldest first. */
  async to(address: string): Promise<MailSummary[]> {
    const { messages } = await this.json<{ messages: MailSummary[] }>('/api/v1/messages?limit=1000');
    return messages.filter((m) => m.To.some((t) => t.Address === address)).reverse();
  }

  async message(id: string): Promise<MailMessage> {
    return this.json<MailMessage>(`/api/v1/message/${encodeURIComponent(id)}`);
  }

  /** Waits until `count` emails have come to the address (not fewer, and says so if more came), and reads them whole. */
  async receive(address: string, count: number, timeoutMs = 30_000): Promise<MailMessage[]> {
    const list = await eventually(async () => {
      const seen = await this.to(address);
      return seen.length >= count ? seen : false;
    }, `${count} email(s) to ${address}`, timeoutMs);
    return Promise.all(list.map((m) => this.message(m.ID)));
  }
}

/** A Mailpit of a test's own, to start late (a mail server that was down) and stop. */
export class OwnMailpit {
  private child?: ChildProcess;
  smtpPort = 0;
  httpPort = 0;
  private readonly dir = mkdtempSync(join(tmpdir(), 'kamiflow-mailpit-'));

  async ports(): Promise<this> {
    this.smtpPort ||= await freePort();
    this.httpPort ||= await freePort();
    return this;
  }

  get smtpUrl(): string {
    return `smtp://127.0.0.1:${this.smtpPort}`;
  }

  get inbox(): Inbox {
    return new Inbox(`http://127.0.0.1:${this.httpPort}`);
  }

  async start(): Promise<void> {
    await this.ports();
    const args = ['--smtp', `127.0.0.1:${this.smtpPort}`, '--listen', `127.0.0.1:${this.httpPort}`, '--database', join(this.dir, 'mailpit.db'), '--disable-version-check', '--smtp-disable-rdns'];
    const child = spawn(toolPaths.mailpit, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`mailpit exited: ${out}`);
      return (await fetch(`http://127.0.0.1:${this.httpPort}/readyz`)).ok;
    }, 'its own Mailpit to answer', 15_000);
  }

  async stop(): Promise<void> {
    await signalAndWait(this.child, 'SIGTERM');
  }
}
