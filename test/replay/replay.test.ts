import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { replayHistories } from '../support/replay';

/**
 * Determinism across deploys: histories recorded from earlier versions of the workflows (see
 * record.histories.ts) must replay against the code as it is now. A change that breaks one needs
 * `patched()`, not a new recording. The replay runs in its own node process (scripts/replay.ts):
 * the SDK's history decoding does not survive jest's module sandbox.
 *
 * Recordings are only ever added: manifest.sha256 pins every file, so a history changed or deleted
 * to make a change pass fails here. superseded/ keeps a recording of an unreleased build whose
 * unpatched change conflicted with the release; it stays to show why it can no longer replay.
 * raced/ keeps the soak's order whose webhook carrier's start raced its main flow, query-cut/ an order
 * whose task a query cut short (see the last tests).
 */
const here = __dirname;
const manifest = readFileSync(join(here, 'manifest.sha256'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => {
    const [sha256, file] = line.trim().split(/\s+/);
    return { sha256, file };
  });
const onDisk = ['histories', 'superseded', 'raced', 'query-cut'].flatMap((dir) => readdirSync(join(here, dir)).filter((f) => f.endsWith('.json')).map((f) => `${dir}/${f}`));

/** Replay a folder of recordings (or one file) under test/replay, or at an absolute path. */
function replay(dir: string): string[] {
  return replayHistories(resolve(here, dir));
}

describe('recorded workflow histories replay against the current code', () => {
  it('keeps every recording as it was recorded, and lists every new one in the manifest', () => {
    const changed = manifest.filter(({ sha256, file }) => {
      try {
        return createHash('sha256').update(readFileSync(join(here, file))).digest('hex') !== sha256;
      } catch {
        return true; // deleted
      }
    });
    expect({ changedOrDeleted: changed.map((m) => m.file), unlisted: onDisk.filter((f) => !manifest.some((m) => m.file === f)) }).toEqual({
      changedOrDeleted: [],
      unlisted: [],
    });
  });

  it('replays every recording, the first release and later ones', () => {
    const histories = manifest.filter((m) => m.file.startsWith('histories/'));
    expect(histories.filter((m) => m.file.startsWith('histories/release-')).length).toBeGreaterThanOrEqual(6);
    const results = replay('histories');
    expect(results.filter((l) => l.startsWith('FAILED'))).toEqual([]);
    expect(results).toHaveLength(histories.length);
  });

  it('a superseded recording still fails only for the change it recorded without a patch', () => {
    const results = replay('superseded');
    expect(results).toHaveLength(manifest.filter((m) => m.file.startsWith('superseded/')).length);
    for (const line of results) expect(line).toMatch(/^FAILED .*TMPRL1100.*'countAvailableKeys'/);
  });

  // The soak's order that got a wrong-amount notice and then the right one before its first task,
  // and whose worker was killed while the refund's write (a local activity) ran: the next worker got
  // the write's result after the main flow had started the payment-due timer, a replay gets it
  // beside the task's other events. Begun before 'webhook-carriers-in-turn', it keeps the order of
  // commands it began with, and fails on replay as it did in the soak (to be reset). The same run
  // with the marker the fixed code records at its first task replays: the carrier's start waits for
  // the timer both ways.
  it('an order whose write raced its main flow on a killed worker replays when begun with its carriers in turn', () => {
    expect(replay('raced')).toEqual([expect.stringMatching(/^FAILED .*TMPRL1100.*Child workflow machine does not handle this event.*TimerStarted/)]);

    const recorded = JSON.parse(readFileSync(join(here, 'raced', 'order-two-notices-worker-killed.soak.json'), 'utf8'));
    const withMarker = join(mkdtempSync(join(tmpdir(), 'kamiflow-raced-')), 'order-begun-with-carriers-in-turn.json');
    writeFileSync(withMarker, JSON.stringify({ events: withPatchAtFirstTask(recorded.events, 'webhook-carriers-in-turn') })); // exported bare, as the Temporal CLI does
    expect(replay(withMarker)).toEqual([`replayed ${withMarker}`]);
  });

  // An order of before 'order-versions-at-first-task', recorded while its test polled its view: a
  // query answered just as its first store write finished cut that task there, so the write's result
  // reached the order in the next task, where it first asked for 'refund-stops-key-check'; a replay
  // hands the result over within the first task, before that task's markers are read, and the check
  // answers differently. Orders of before keep failing so (reset them to a task before); orders
  // begun since decide every version at their first task (test/workflows/queryDuringLocalStep.test.ts).
  it('an order of before the versions at its first task fails on replay where a query cut its task', () => {
    expect(replay('query-cut')).toEqual([expect.stringMatching(/^FAILED .*TMPRL1100.*patch marker.*refund-stops-key-check|^FAILED .*TMPRL1100.*refund-stops-key-check/)]);
  });
});

type RecordedEvent = Record<string, unknown> & { eventId: string; eventType: string };

/**
 * The history a run would have recorded had its first task also called patched(id): that patch's
 * marker and search-attribute upsert after the first task's last patch, later events renumbered.
 */
function withPatchAtFirstTask(events: RecordedEvent[], id: string): RecordedEvent[] {
  const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
  const at = events.findIndex((e, i) => e.eventType === 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES' && events[i + 1]?.eventType !== 'EVENT_TYPE_MARKER_RECORDED') + 1;
  const [marker, upsert] = structuredClone(events.slice(at - 2, at)) as any[];
  marker.markerRecordedEventAttributes.details['patch-data'].payloads[0].data = base64({ id, deprecated: false });
  const versions = upsert.upsertWorkflowSearchAttributesEventAttributes.searchAttributes.indexedFields.TemporalChangeVersion;
  versions.data = base64([...JSON.parse(Buffer.from(versions.data, 'base64').toString()), id]);
  const shift = (n: number) => (n > at ? n + 2 : n);
  const renumber = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(renumber);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, /^(eventId|scheduledEventId|startedEventId|initiatedEventId|workflowTaskCompletedEventId)$/.test(k) ? String(shift(Number(v))) : renumber(v)]),
    );
  };
  return [...events.slice(0, at), marker, upsert, ...events.slice(at)].map((e, i) => ({ ...(renumber(e) as RecordedEvent), eventId: String(i + 1) }));
}
