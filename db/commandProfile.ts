import { writeFileSync } from 'node:fs';
import type { Connection } from 'mongoose';

/** One kind of store command: how often it ran and how long it took, in ms. */
export interface CommandTime {
  command: string;
  count: number;
  totalMs: number;
  maxMs: number;
}

/**
 * Where a process's store time goes, for the benchmark: every command the driver sends, grouped by
 * its name, collection and the shape of its filter (field names and operators, never values: they
 * may be key ids or fingerprints), written to `file` every few seconds and when the connection closes.
 */
export function profileCommands(connection: Connection, file: string, everyMs = 2_000): void {
  const kinds = new Map<string, CommandTime>();
  const started = new Map<number, string>();
  const client = connection.getClient();
  client.on('commandStarted', (e) => started.set(e.requestId, shapeOf(e.commandName, e.command as Record<string, unknown>)));
  const done = (e: { requestId: number; duration: number }) => {
    const command = started.get(e.requestId);
    if (command === undefined) return;
    started.delete(e.requestId);
    const kind = kinds.get(command) ?? { command, count: 0, totalMs: 0, maxMs: 0 };
    kind.count += 1;
    kind.totalMs += e.duration;
    kind.maxMs = Math.max(kind.maxMs, e.duration);
    kinds.set(command, kind);
  };
  client.on('commandSucceeded', done);
  client.on('commandFailed', done);
  const write = () => writeFileSync(file, JSON.stringify([...kinds.values()].sort((a, b) => b.totalMs - a.totalMs), null, 1));
  const timer = setInterval(write, everyMs);
  timer.unref();
  connection.on('close', () => {
    clearInterval(timer);
    write();
  });
}

function shapeOf(name: string, command: Record<string, unknown>): string {
  const collection = typeof command[name] === 'string' ? command[name] : '';
  const filter = command.filter ?? command.query ?? (Array.isArray(command.updates) ? (command.updates[0] as { q?: unknown })?.q : undefined) ?? (Array.isArray(command.deletes) ? (command.deletes[0] as { q?: unknown })?.q : undefined);
  const pipeline = Array.isArray(command.pipeline) ? ` ${command.pipeline.map((stage) => Object.keys(stage as object)[0]).join('|')}` : '';
  const sort = command.sort ? ` sort ${keysOf(command.sort)}` : '';
  return `${name} ${collection}${filter ? ` ${keysOf(filter)}` : ''}${pipeline}${sort}`;
}

/** `{a: 1, b: {$in: [...]}}` → `{a,b:$in}`. */
function keysOf(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return '';
  const parts = Object.entries(value as Record<string, unknown>).map(([k, v]) => {
    const ops = v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) ? Object.keys(v).filter((o) => o.startsWith('$')) : [];
    return ops.length ? `${k}:${ops.join('+')}` : k;
  });
  return `{${parts.join(',')}}`;
}
