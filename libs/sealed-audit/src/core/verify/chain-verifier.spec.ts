import { randomBytes } from 'node:crypto';
import { sealChain } from '../../../../../test/support/sealed-entries';
import type { AuditEntry, SealedEntry } from '../audit-event';
import { GENESIS_HASH, computeEntryHash, sealEntry } from '../sealing/seal';
import { verifyChains, type VerificationReport } from './chain-verifier';

/** Entries of several chains in `(chainId, seq)` order, as a store reads them back. */
function threeChains(): SealedEntry[] {
  return [...sealChain('chain-a', 5).entries, ...sealChain('chain-b', 7).entries, ...sealChain('chain-c', 3).entries];
}

function clone(entries: SealedEntry[]): SealedEntry[] {
  return JSON.parse(JSON.stringify(entries)) as SealedEntry[];
}

function indexOf(entries: SealedEntry[], chainId: string, seq: number): number {
  const index = entries.findIndex((entry) => entry.chainId === chainId && entry.seq === seq);
  if (index < 0) throw new Error(`fixture has no ${chainId}#${seq}`);
  return index;
}

function at(entries: SealedEntry[], chainId: string, seq: number): SealedEntry {
  return entries[indexOf(entries, chainId, seq)] as SealedEntry;
}

/** Re-seals `entry` with new content so its own hash is consistent, linked after `prevHash`. */
function reseal(entry: SealedEntry, changes: Partial<AuditEntry>, prevHash: string): SealedEntry {
  const { hash: _hash, prevHash: _prev, ...fields } = entry;
  const content: AuditEntry = { ...fields, ...changes };
  return { ...content, prevHash, hash: computeEntryHash(content, prevHash) };
}

function problemOf(report: VerificationReport, chainId: string) {
  return report.chains.find((chain) => chain.chainId === chainId)?.problem;
}

async function* asAsync<T>(items: T[]): AsyncIterable<T> {
  for (const item of items) {
    await Promise.resolve();
    yield item;
  }
}

describe('verifyChains', () => {
  it('accepts intact chains and reports each chain with its head', async () => {
    const entries = threeChains();
    const report = await verifyChains(entries);
    expect(report.ok).toBe(true);
    expect(report.firstProblem).toBeUndefined();
    expect(report.entries).toBe(15);
    expect(report.chains.map((chain) => [chain.chainId, chain.entries, chain.headSeq, chain.problem])).toEqual([
      ['chain-a', 5, 5, undefined],
      ['chain-b', 7, 7, undefined],
      ['chain-c', 3, 3, undefined],
    ]);
    expect(report.chains[1]?.headHash).toBe(at(entries, 'chain-b', 7).hash);
  });

  it('accepts an empty trail', async () => {
    await expect(verifyChains([])).resolves.toMatchObject({ ok: true, entries: 0, chains: [], checkpoints: 0, trust: 'none', anchored: false });
  });

  it('accepts entries that went through a JSON round trip (as read back from a database)', async () => {
    const report = await verifyChains(clone(threeChains()));
    expect(report.ok).toBe(true);
  });

  it('reads async iterables (a store streaming pages)', async () => {
    expect((await verifyChains(asAsync(threeChains()))).ok).toBe(true);
    const tampered = threeChains();
    tampered[indexOf(tampered, 'chain-b', 4)] = { ...at(tampered, 'chain-b', 4), action: 'patient.delete' };
    const report = await verifyChains(asAsync(tampered));
    expect(report.firstProblem).toMatchObject({ chainId: 'chain-b', seq: 4, kind: 'modified' });
  });

  describe('detects and locates', () => {
    it.each<[string, (entry: SealedEntry) => SealedEntry]>([
      ['action', (e) => ({ ...e, action: 'patient.delete' })],
      ['actorId', (e) => ({ ...e, actorId: 'admin' })],
      ['ts', (e) => ({ ...e, ts: '2020-01-01T00:00:00.000Z' })],
      ['outcome', (e) => ({ ...e, outcome: 'success' === e.outcome ? 'failure' : 'success' })],
      ['a nested payload value', (e) => ({ ...e, payload: { ...e.payload, http: { method: 'DELETE' } } })],
    ])('an edited field (%s) as modified at that entry', async (_name, edit) => {
      const entries = threeChains();
      const index = indexOf(entries, 'chain-b', 3);
      entries[index] = edit(entries[index] as SealedEntry);
      const report = await verifyChains(entries);
      expect(report.ok).toBe(false);
      expect(report.firstProblem).toMatchObject({ chainId: 'chain-b', seq: 3, kind: 'modified' });
      expect(problemOf(report, 'chain-a')).toBeUndefined();
      expect(problemOf(report, 'chain-c')).toBeUndefined();
    });

    it('a stored hash replaced by a random one as modified at that entry (not at the next one)', async () => {
      // The replaced hash no longer matches the entry's content, which is checked before the link:
      // so the edited entry itself is reported, not the following entry whose prev_hash now dangles.
      const entries = threeChains();
      const index = indexOf(entries, 'chain-b', 4);
      entries[index] = { ...(entries[index] as SealedEntry), hash: randomBytes(32).toString('hex') };
      const report = await verifyChains(entries);
      expect(report.ok).toBe(false);
      expect(report.firstProblem).toMatchObject({ chainId: 'chain-b', seq: 4, kind: 'modified' });
    });

    it('a random hash on the newest entry (nothing links to it) as modified', async () => {
      const entries = threeChains();
      const index = indexOf(entries, 'chain-b', 7);
      entries[index] = { ...(entries[index] as SealedEntry), hash: randomBytes(32).toString('hex') };
      expect((await verifyChains(entries)).firstProblem).toMatchObject({ chainId: 'chain-b', seq: 7, kind: 'modified' });
    });

    it('an entry re-sealed with a wrong prev_hash as modified at that entry', async () => {
      const entries = threeChains();
      const index = indexOf(entries, 'chain-b', 4);
      entries[index] = reseal(entries[index] as SealedEntry, { actorId: 'admin' }, randomBytes(32).toString('hex'));
      const report = await verifyChains(entries);
      expect(report.firstProblem).toMatchObject({ chainId: 'chain-b', seq: 4, kind: 'modified' });
      expect(report.firstProblem?.detail).toContain('entry 4 was re-sealed');
    });

    it('a first entry re-sealed after a non-genesis prev_hash as modified at seq 1', async () => {
      const entries = threeChains();
      const index = indexOf(entries, 'chain-c', 1);
      entries[index] = reseal(entries[index] as SealedEntry, {}, 'e'.repeat(64));
      expect((await verifyChains(entries)).firstProblem).toMatchObject({ chainId: 'chain-c', seq: 1, kind: 'modified' });
    });

    it('an entry replaced by a correctly linked forgery as modified at that entry (found through the next one)', async () => {
      const entries = threeChains();
      const index = indexOf(entries, 'chain-b', 4);
      const previous = at(entries, 'chain-b', 3);
      entries[index] = reseal(entries[index] as SealedEntry, { actorId: 'admin' }, previous.hash);
      const report = await verifyChains(entries);
      expect(report.firstProblem).toMatchObject({ chainId: 'chain-b', seq: 4, kind: 'modified' });
      expect(report.firstProblem?.detail).toContain('entry 4 was replaced');
    });

    it('a deleted middle entry as missing at its seq', async () => {
      const entries = threeChains();
      entries.splice(indexOf(entries, 'chain-b', 4), 1);
      const report = await verifyChains(entries);
      expect(report.firstProblem).toMatchObject({ chainId: 'chain-b', seq: 4, kind: 'missing' });
      expect(report.firstProblem?.detail).toContain('entry 4 is missing');
    });

    it('several deleted entries as one missing range', async () => {
      const entries = threeChains();
      entries.splice(indexOf(entries, 'chain-b', 2), 3); // 2, 3, 4
      const report = await verifyChains(entries);
      expect(report.firstProblem).toMatchObject({ chainId: 'chain-b', seq: 2, kind: 'missing' });
      expect(report.firstProblem?.detail).toContain('2..4');
    });

    it('a deleted first entry as missing at seq 1', async () => {
      const entries = threeChains();
      entries.splice(indexOf(entries, 'chain-a', 1), 1);
      const report = await verifyChains(entries);
      expect(report.firstProblem).toMatchObject({ chainId: 'chain-a', seq: 1, kind: 'missing' });
      expect(report.firstProblem?.detail).toContain('entry 1 is missing');
    });

    it('a repeated entry as duplicate at its seq', async () => {
      const entries = threeChains();
      const index = indexOf(entries, 'chain-b', 3);
      entries.splice(index + 1, 0, { ...(entries[index] as SealedEntry) });
      const report = await verifyChains(entries);
      expect(report.firstProblem).toMatchObject({ chainId: 'chain-b', seq: 3, kind: 'duplicate' });
    });

    it('a second, different entry with an already used seq (a fork) as duplicate', async () => {
      const entries = threeChains();
      const original = at(entries, 'chain-b', 3);
      const fork = sealEntry({ ...original, actorId: 'intruder' }, { chainId: 'chain-b', seq: 2, hash: original.prevHash }).sealed;
      entries.splice(indexOf(entries, 'chain-b', 3) + 1, 0, fork);
      expect((await verifyChains(entries)).firstProblem).toMatchObject({ chainId: 'chain-b', seq: 3, kind: 'duplicate' });
    });

    it.each<[string, (entry: SealedEntry) => SealedEntry]>([
      ['seq 0', (e) => ({ ...e, seq: 0 })],
      ['a fractional seq', (e) => ({ ...e, seq: 2.5 })],
      ['a seq read as a string', (e) => ({ ...e, seq: '2' as unknown as number })],
      ['an upper-case hash', (e) => ({ ...e, hash: e.hash.toUpperCase() })],
      ['a short hash', (e) => ({ ...e, hash: e.hash.slice(2) })],
      ['a null prev_hash', (e) => ({ ...e, prevHash: null as unknown as string })],
      ['an unknown outcome', (e) => ({ ...e, outcome: 'ok' as SealedEntry['outcome'] })],
      ['a payload that is not JSON (kept as text)', (e) => ({ ...e, payload: '{not json' as unknown as SealedEntry['payload'] })],
      ['an array payload', (e) => ({ ...e, payload: [] as unknown as SealedEntry['payload'] })],
      ['a null payload', (e) => ({ ...e, payload: null as unknown as SealedEntry['payload'] })],
    ])('%s as malformed', async (_name, corrupt) => {
      const entries = threeChains();
      const index = indexOf(entries, 'chain-b', 2);
      const original = entries[index] as SealedEntry;
      entries[index] = corrupt(original);
      const report = await verifyChains(entries);
      expect(report.ok).toBe(false);
      expect(report.firstProblem).toMatchObject({ chainId: 'chain-b', kind: 'malformed' });
      expect(problemOf(report, 'chain-b')?.kind).toBe('malformed');
    });
  });

  it('reports each chain its own first problem, and a problem in one chain does not hide another', async () => {
    const entries = threeChains();
    // chain-a: an edit at 2 and a deletion later: only the first problem is reported for the chain.
    entries[indexOf(entries, 'chain-a', 2)] = { ...at(entries, 'chain-a', 2), action: 'x' };
    entries.splice(indexOf(entries, 'chain-a', 4), 1);
    // chain-c: deleted first entry.
    entries.splice(indexOf(entries, 'chain-c', 1), 1);
    const report = await verifyChains(entries);
    expect(report.ok).toBe(false);
    expect(problemOf(report, 'chain-a')).toMatchObject({ seq: 2, kind: 'modified' });
    expect(problemOf(report, 'chain-b')).toBeUndefined();
    expect(problemOf(report, 'chain-c')).toMatchObject({ seq: 1, kind: 'missing' });
    expect(report.firstProblem).toMatchObject({ chainId: 'chain-a', seq: 2, kind: 'modified' });
    // Every chain is still walked to its end.
    expect(report.chains.map((chain) => [chain.chainId, chain.entries, chain.headSeq])).toEqual([
      ['chain-a', 4, 5],
      ['chain-b', 7, 7],
      ['chain-c', 2, 3],
    ]);
  });

  it('reports a problem in a later chain while earlier chains are intact', async () => {
    const entries = threeChains();
    entries[indexOf(entries, 'chain-c', 3)] = { ...at(entries, 'chain-c', 3), subjectId: 'someone-else' };
    const report = await verifyChains(entries);
    expect(report.firstProblem).toMatchObject({ chainId: 'chain-c', seq: 3, kind: 'modified' });
  });

  it('does not pass entries that are not in (chainId, seq) order as ok', async () => {
    const a = sealChain('chain-a', 2).entries;
    const b = sealChain('chain-b', 2).entries;
    const interleaved = [a[0], b[0], a[1], b[1]] as SealedEntry[];
    expect((await verifyChains(interleaved)).ok).toBe(false);
  });

  it('does not notice the newest entries being removed (truncation needs signed checkpoints)', async () => {
    // Documents the limit of a hash chain alone: deleting the tail leaves a valid, shorter chain.
    const entries = sealChain('chain-a', 5).entries.slice(0, 4);
    const report = await verifyChains(entries);
    expect(report.ok).toBe(true);
    expect(report.chains[0]?.headSeq).toBe(4);
  });

  it('walks a chain of 10 000 entries', async () => {
    const { entries, head } = sealChain('long', 10_000);
    const report = await verifyChains(asAsync(entries));
    expect(report).toMatchObject({ ok: true, entries: 10_000 });
    expect(report.chains).toEqual([{ chainId: 'long', entries: 10_000, headSeq: 10_000, headHash: head?.hash, checkpoints: 0, signedSize: 0 }]);
    const tampered = entries.slice();
    tampered[9_000] = { ...(tampered[9_000] as SealedEntry), requestId: 'forged' };
    expect((await verifyChains(tampered)).firstProblem).toMatchObject({ chainId: 'long', seq: 9_001, kind: 'modified' });
  });

  it('starts every chain at the genesis hash', async () => {
    const entries = threeChains();
    expect(at(entries, 'chain-b', 1).prevHash).toBe(GENESIS_HASH);
    // A chain that continues another chain's head (instead of genesis) is modified at seq 1.
    const continued = sealChain('chain-z', 2, { after: { chainId: 'chain-z', seq: 0, hash: at(entries, 'chain-a', 5).hash } }).entries;
    expect((await verifyChains(continued)).firstProblem).toMatchObject({ chainId: 'chain-z', seq: 1, kind: 'modified' });
  });
});
