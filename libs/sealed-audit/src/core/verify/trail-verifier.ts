import type { AuditOutcome, SealedEntry } from '../audit-event';
import { AUDIT_OUTCOMES } from '../audit-event';
import { GENESIS_CHECKPOINT_HASH, computeCheckpointHash, describeMalformedCheckpoint, type SignedCheckpoint } from '../checkpoint/checkpoint';
import { PublicKeyRing, keyIdOf, verifyCheckpointSignature } from '../checkpoint/checkpoint-signer';
import type { StoredSigningKey } from '../checkpoint/checkpoint-store.interface';
import { MerkleTreeBuilder } from '../merkle';
import { isCanonicalJsonObject } from '../sealing/canonical-json';
import { GENESIS_HASH, canonicalStoredPayload, computeEntryHash, computeStoredEntryHash, hashStoredEntry } from '../sealing/seal';
import { type StoredEntryRow, entryFromStoredRow } from './stored-entry-row';
import type { ChainReport, VerificationProblem, VerificationReport, VerificationTrust } from './verification-report';

type Source<T> = AsyncIterable<T> | Iterable<T>;

/** What a verification reads. Entries and checkpoints must come ordered by `(chainId, seq)`. */
export interface TrailSource {
  entries: Source<SealedEntry>;
  /**
   * The same entries as batches of raw stored rows, read instead of `entries` when given: an
   * intact row is checked from its fields, without an entry object or a promise per row (see
   * {@link StoredEntryRow}). The report is the same.
   */
  entryRows?: Source<readonly StoredEntryRow[]>;
  /** Stored checkpoints (`audit_checkpoint`), ordered like the entries. */
  checkpoints?: Source<SignedCheckpoint>;
  /** Public keys recorded in the database; used only when no `publicKeys` are given. */
  storedKeys?: readonly StoredSigningKey[];
}

/** Options of {@link verifyTrail}. */
export interface TrailVerifyOptions {
  /**
   * The only keys to trust (from `--public-key`). Without them the keys recorded in the database
   * are used, which someone who controls the database can replace.
   */
  publicKeys?: PublicKeyRing;
  /** Checkpoints from the anchor (outside the database), in any order. */
  anchor?: Source<SignedCheckpoint>;
  /** Called every `progressEvery` entries with the number read so far. */
  onProgress?: (entries: number) => void;
  /** Default 10 000. */
  progressEvery?: number;
}

/** How far around its position an entry that fails its hash is tried (swap / insertion detection). */
const REORDER_WINDOW = 64;

/**
 * Verifies a whole trail in one pass with memory that does not grow with the number of entries
 * (per chain: a Merkle frontier, the last hashes, one pending checkpoint):
 *
 * - every entry's hash, its link to the previous entry, the sequence (gaps, duplicates);
 * - every stored checkpoint: key trusted, Ed25519 signature, its link to the previous checkpoint,
 *   and that the chain's entries 1..treeSize hash to its Merkle root and head (so successive
 *   checkpoints are consistent: they are roots of one growing tree);
 * - with an anchor: that the database still holds what the newest anchored checkpoint of each
 *   chain covers (tail truncation) and that those entries hash to its root (full rewrite).
 *
 * Each chain reports its first problem; every chain is walked to its end.
 *
 * @example
 * const report = await verifyTrail(
 *   { entries: store.read(), checkpoints: store.readCheckpoints(), storedKeys: await store.readSigningKeys() },
 *   { publicKeys: new PublicKeyRing([pem]), anchor: readAnchorFile('anchor.jsonl') },
 * );
 */
export async function verifyTrail(source: TrailSource, options: TrailVerifyOptions = {}): Promise<VerificationReport> {
  const warnings: string[] = [];
  const { ring, trust } = trustedKeys(options.publicKeys, source.storedKeys ?? [], warnings);
  const anchor = options.anchor ? await indexAnchor(options.anchor, ring) : undefined;
  const checkpoints = new Peekable(source.checkpoints ?? []);
  const chains: ChainReport[] = [];
  const walkers: ChainWalker[] = [];
  const progressEvery = options.progressEvery ?? 10_000;
  let walker: ChainWalker | undefined;
  let total = 0;
  let checkpointCount = 0;

  const startChain = async (chainId: string | undefined): Promise<void> => {
    if (walker) {
      checkpointCount += await walker.finish(checkpoints);
      walker = undefined;
    }
    // Chains that have checkpoints but no entries left sort before `chainId`.
    for (let next = await checkpoints.peek(); next && (chainId === undefined || compareChainIds(next.chainId, chainId) < 0); next = await checkpoints.peek()) {
      const orphan = new ChainWalker(next.chainId, ring, anchor?.get(next.chainId));
      checkpointCount += await orphan.finish(checkpoints);
      chains.push(orphan.report);
      walkers.push(orphan);
    }
    if (chainId !== undefined) {
      walker = new ChainWalker(chainId, ring, anchor?.get(chainId));
      chains.push(walker.report);
      walkers.push(walker);
    }
  };

  if (source.entryRows) {
    for await (const rows of source.entryRows) {
      for (let i = 0; i < rows.length; i += 1) {
        const row = rows[i] as StoredEntryRow;
        total += 1;
        if (!walker || walker.report.chainId !== row[0]) await startChain(row[0]);
        const pending = (walker as ChainWalker).addRow(row, checkpoints);
        if (pending) await pending;
        if (options.onProgress && total % progressEvery === 0) options.onProgress(total);
      }
    }
  } else {
    for await (const entry of source.entries) {
      total += 1;
      if (!walker || walker.report.chainId !== entry.chainId) await startChain(entry.chainId);
      const pending = (walker as ChainWalker).add(entry, checkpoints);
      if (pending) await pending;
      if (options.onProgress && total % progressEvery === 0) options.onProgress(total);
    }
  }
  await startChain(undefined);

  // Chains the anchor knows that the database no longer has at all.
  if (anchor) {
    const seen = new Set(chains.map((chain) => chain.chainId));
    for (const [chainId, anchored] of anchor) {
      if (seen.has(chainId)) continue;
      const gone = new ChainWalker(chainId, ring, anchored);
      await gone.finish(checkpoints);
      chains.push(gone.report);
      walkers.push(gone);
    }
    chains.sort((a, b) => compareChainIds(a.chainId, b.chainId));
  }
  recognizeMovedEntries(walkers);
  if (trust === 'public-keys') {
    for (const chain of chains) {
      if (chain.entries > chain.signedSize && !chain.problem) {
        warnings.push(
          `chain "${chain.chainId}": entries ${chain.signedSize + 1}..${chain.headSeq} are not covered by a checkpoint signed with a given key ` +
            '(written after the newest checkpoint, or its checkpoints were removed: only the anchor can tell)',
        );
      }
    }
  }
  if (options.onProgress) options.onProgress(total);

  const firstProblem = chains.find((chain) => chain.problem)?.problem;
  return {
    ok: !firstProblem,
    entries: total,
    chains,
    ...(firstProblem ? { firstProblem } : {}),
    checkpoints: checkpointCount,
    trust,
    anchored: anchor !== undefined,
    warnings,
  };
}

/** The newest valid anchored checkpoint of a chain, or the first problem found in the anchor. */
interface AnchorView {
  newest?: SignedCheckpoint;
  problem?: VerificationProblem;
}

async function indexAnchor(anchor: Source<SignedCheckpoint>, ring: PublicKeyRing): Promise<Map<string, AnchorView>> {
  const index = new Map<string, AnchorView>();
  for await (const checkpoint of anchor) {
    let view = index.get(checkpoint.chainId);
    if (!view) index.set(checkpoint.chainId, (view = {}));
    const problem = checkSignature(checkpoint, ring, 'anchored checkpoint');
    if (problem) {
      view.problem ??= problem;
      continue;
    }
    const newest = view.newest;
    if (!newest || checkpoint.treeSize > newest.treeSize || (checkpoint.treeSize === newest.treeSize && checkpoint.seq > newest.seq)) {
      view.newest = checkpoint;
    }
  }
  return index;
}

function trustedKeys(
  given: PublicKeyRing | undefined,
  stored: readonly StoredSigningKey[],
  warnings: string[],
): { ring: PublicKeyRing; trust: VerificationTrust } {
  if (given && given.size > 0) {
    for (const key of stored) {
      if (!given.has(key.keyId)) {
        warnings.push(`the database records signing key ${key.keyId} that is not among the given public keys; it is not trusted`);
      }
    }
    return { ring: given, trust: 'public-keys' };
  }
  const ring = new PublicKeyRing();
  for (const key of stored) {
    let id: string | undefined;
    try {
      id = keyIdOf(key.publicKey);
    } catch {
      id = undefined;
    }
    if (id !== key.keyId) {
      warnings.push(`the stored signing key ${key.keyId} is not the key its id names; it is ignored`);
      continue;
    }
    ring.add(key.publicKey);
  }
  if (ring.size > 0) {
    warnings.push(
      'checkpoint signatures were checked with the public keys stored in the database: whoever controls the database can replace them. ' +
        'Pass --public-key to detect a consistent rewrite.',
    );
  }
  return { ring, trust: ring.size > 0 ? 'stored-keys' : 'none' };
}

function checkSignature(checkpoint: SignedCheckpoint, ring: PublicKeyRing, what: string): VerificationProblem | undefined {
  const at = { chainId: checkpoint.chainId, seq: Number.isSafeInteger(checkpoint.treeSize) ? checkpoint.treeSize : 0, checkpoint: checkpoint.seq };
  const malformed = describeMalformedCheckpoint(checkpoint);
  if (malformed) return { ...at, kind: 'malformed', detail: `${what} #${String(checkpoint.seq)}: ${malformed}` };
  const key = ring.get(checkpoint.keyId);
  if (!key) {
    return { ...at, kind: 'unknown-key', detail: `${what} #${checkpoint.seq} is signed by key ${short(checkpoint.keyId)}, which is not trusted` };
  }
  if (!verifyCheckpointSignature(checkpoint, key)) {
    return { ...at, kind: 'bad-signature', detail: `${what} #${checkpoint.seq}: the signature does not verify with key ${short(checkpoint.keyId)}` };
  }
  if (computeCheckpointHash(checkpoint) !== checkpoint.hash) {
    return { ...at, kind: 'modified', detail: `${what} #${checkpoint.seq}: the stored checkpoint hash does not match its content` };
  }
  return undefined;
}

/** Walks one chain: entry checks, the Merkle tree, the chain's checkpoints as the tree reaches them. */
class ChainWalker {
  readonly report: ChainReport;
  /** The entry the problem was found on, to recognize an entry moved from another chain. */
  problemEntry: SealedEntry | undefined;
  private readonly tree = new MerkleTreeBuilder();
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  private prevPrevHash = GENESIS_HASH;
  /** A broken link at this seq, blamed on this entry or the one before once the next is seen. */
  private pendingLink: { seq: number; entry: SealedEntry; prevExpected: string } | undefined;
  private lastCheckpoint: SignedCheckpoint | undefined;
  private nextCheckpointSize = 0;
  private checkpointsRead = 0;
  /** Size of the newest checkpoint whose root verified, to locate a rewrite. */
  private verifiedSize = 0;
  /**
   * A root mismatch waits for the entry checks to catch up (they see an insertion or a replaced
   * entry one or two entries later) so the more precise entry-level finding wins.
   */
  private held: VerificationProblem | undefined;

  constructor(
    chainId: string,
    private readonly ring: PublicKeyRing,
    private readonly anchor: AnchorView | undefined,
  ) {
    this.report = { chainId, entries: 0, headSeq: 0, headHash: GENESIS_HASH, checkpoints: 0, signedSize: 0 };
    if (anchor?.newest) this.report.anchoredSize = anchor.newest.treeSize;
  }

  /** Synchronous (no promise, no microtask per entry) unless a checkpoint is due. */
  add(entry: SealedEntry, checkpoints: Peekable<SignedCheckpoint>): Promise<void> | undefined {
    const report = this.report;
    report.entries += 1;
    if (!report.problem) this.check(entry);
    if (this.held && !this.pendingLink) this.release();
    this.tree.appendEntryHash(String(entry.hash));
    this.prevPrevHash = this.prevHash;
    this.prevHash = entry.hash;
    if (Number.isSafeInteger(entry.seq)) this.expectedSeq = entry.seq + 1;
    report.headSeq = entry.seq;
    report.headHash = entry.hash;
    return this.appended(checkpoints);
  }

  /**
   * `add(entryFromStoredRow(row))`, without building the entry when the row is intact: while the
   * chain has no problem, nothing held and no link pending, a row that passes {@link intact} is
   * one on which `add` would find nothing and make exactly these updates. Any other row (and every
   * row after a problem) takes `add`, so the findings are those of the entry path.
   */
  addRow(row: StoredEntryRow, checkpoints: Peekable<SignedCheckpoint>): Promise<void> | undefined {
    const report = this.report;
    if (report.problem !== undefined || this.held !== undefined || this.pendingLink !== undefined || !this.intact(row)) {
      return this.add(entryFromStoredRow(row), checkpoints);
    }
    const hash = row[13];
    const seq = this.expectedSeq;
    report.entries += 1;
    this.tree.appendEntryHash(hash);
    this.prevPrevHash = this.prevHash;
    this.prevHash = hash;
    this.expectedSeq = seq + 1;
    report.headSeq = seq;
    report.headHash = hash;
    return this.appended(checkpoints);
  }

  /**
   * True when `check(entryFromStoredRow(row))` would find nothing and set no pending link: the
   * expected seq, linked to the previous entry, well-formed (a known outcome, safe integers, a
   * canonical JSON object as payload, so the hash is over the stored text), and its content
   * hashing to its stored hash. The hex checks of `describeMalformed` hold without a regex: the
   * stored hash equals a computed one (64 lower-case hex digits) and prev_hash equals the previous
   * entry's hash, which passed them (or the genesis hash).
   */
  private intact(row: StoredEntryRow): boolean {
    const seq = Number(row[1]);
    if (seq !== this.expectedSeq || !Number.isSafeInteger(seq)) return false;
    const prevHash = row[12];
    if (prevHash !== this.prevHash) return false;
    const outcome = row[5];
    const v = Number(row[2]);
    const chainId = row[0];
    const ts = row[3];
    const action = row[4];
    const actorId = row[6];
    const actorType = row[7];
    const resource = row[8];
    const subjectId = row[9];
    const requestId = row[10];
    const payload = row[11];
    const hash = row[13];
    if (
      !AUDIT_OUTCOMES.includes(outcome as AuditOutcome) ||
      !Number.isSafeInteger(v) ||
      typeof chainId !== 'string' ||
      typeof ts !== 'string' ||
      typeof action !== 'string' ||
      typeof hash !== 'string' ||
      typeof payload !== 'string' ||
      !nullableString(actorId) ||
      !nullableString(actorType) ||
      !nullableString(resource) ||
      !nullableString(subjectId) ||
      !nullableString(requestId) ||
      !isCanonicalJsonObject(payload)
    ) {
      return false;
    }
    return hashStoredEntry(prevHash, action, actorId, actorType, chainId, outcome, payload, requestId, resource, seq, subjectId, ts, v) === hash;
  }

  /** After an entry joined the tree: the checkpoints and the anchored checkpoint it reaches. */
  private appended(checkpoints: Peekable<SignedCheckpoint>): Promise<void> | undefined {
    const size = this.tree.size;
    if (size >= this.nextCheckpointSize) return this.checkpointsAt(size, checkpoints).then(() => this.checkAnchorAt(size));
    this.checkAnchorAt(size);
    return undefined;
  }

  private checkAnchorAt(size: number): void {
    const anchored = this.anchor?.newest;
    if (anchored && anchored.treeSize === size && !this.report.problem && !this.held) this.checkAgainst(anchored, 'anchored checkpoint');
  }

  /** Ends the chain; returns how many stored checkpoints it read. */
  async finish(checkpoints: Peekable<SignedCheckpoint>): Promise<number> {
    const report = this.report;
    if (this.pendingLink && !report.problem) this.blameLink(undefined);
    this.release();
    const size = this.tree.size;
    // Checkpoints beyond the last entry: the entries they cover are gone.
    for (let next = await checkpoints.peek(); next && next.chainId === report.chainId; next = await checkpoints.peek()) {
      await checkpoints.next();
      this.checkpointsRead += 1;
      if (report.problem) continue;
      const signature = checkSignature(next, this.ring, 'checkpoint');
      if (signature) {
        this.fail(signature);
      } else if (next.treeSize > size) {
        this.fail({
          chainId: report.chainId,
          seq: size + 1,
          kind: 'truncated',
          checkpoint: next.seq,
          detail: `checkpoint #${next.seq} covers ${next.treeSize} entries but the database holds ${size}`,
        });
      } else {
        this.fail({
          chainId: report.chainId,
          seq: next.treeSize,
          kind: 'reordered',
          checkpoint: next.seq,
          detail: `checkpoint #${next.seq} (size ${next.treeSize}) comes after a checkpoint of a larger tree`,
        });
      }
    }
    const anchored = this.anchor?.newest;
    if (anchored && !report.problem && anchored.treeSize > size) {
      this.fail({
        chainId: report.chainId,
        seq: size + 1,
        kind: 'truncated',
        checkpoint: anchored.seq,
        detail: `the anchored checkpoint #${anchored.seq} (${anchored.ts}) covers ${anchored.treeSize} entries but the database holds ${size}`,
      });
    }
    if (this.anchor?.problem && !report.problem) this.fail(this.anchor.problem);
    report.checkpoints = this.checkpointsRead;
    return this.checkpointsRead;
  }

  private async checkpointsAt(size: number, checkpoints: Peekable<SignedCheckpoint>): Promise<void> {
    const chainId = this.report.chainId;
    for (let next = await checkpoints.peek(); next && next.chainId === chainId && next.treeSize <= size; next = await checkpoints.peek()) {
      await checkpoints.next();
      this.checkpointsRead += 1;
      if (!this.report.problem && !this.held) this.checkStored(next, size);
      this.lastCheckpoint = next;
    }
    const next = await checkpoints.peek();
    this.nextCheckpointSize = next && next.chainId === chainId ? Math.max(next.treeSize, size + 1) : Number.POSITIVE_INFINITY;
  }

  private checkStored(checkpoint: SignedCheckpoint, size: number): void {
    const chainId = this.report.chainId;
    const at = { chainId, seq: checkpoint.treeSize, checkpoint: checkpoint.seq };
    const signature = checkSignature(checkpoint, this.ring, 'checkpoint');
    if (signature) return this.fail(signature);
    const previous = this.lastCheckpoint;
    const expectedSeq = (previous?.seq ?? 0) + 1;
    if (checkpoint.seq < expectedSeq) return this.fail({ ...at, kind: 'duplicate', detail: `checkpoint #${checkpoint.seq} appears again` });
    if (checkpoint.seq > expectedSeq) {
      return this.fail({ ...at, kind: 'missing', detail: `checkpoint #${expectedSeq} is missing (the next stored one is #${checkpoint.seq})` });
    }
    const expectedPrev = previous ? computeCheckpointHash(previous) : GENESIS_CHECKPOINT_HASH;
    if (checkpoint.prevHash !== expectedPrev) {
      return this.fail({ ...at, kind: 'modified', detail: `checkpoint #${checkpoint.seq} does not link to checkpoint #${expectedSeq - 1} as stored` });
    }
    if (checkpoint.treeSize < size) {
      return this.fail({ ...at, kind: 'reordered', detail: `checkpoint #${checkpoint.seq} (size ${checkpoint.treeSize}) comes after a checkpoint of a larger tree` });
    }
    if (previous && checkpoint.ts < previous.ts) {
      return this.fail({ ...at, kind: 'reordered', detail: `checkpoint #${checkpoint.seq} is dated before checkpoint #${previous.seq}` });
    }
    this.checkAgainst(checkpoint, 'checkpoint');
  }

  /** Entries 1..treeSize must hash to the checkpoint's root, and the newest of them be its head. */
  private checkAgainst(checkpoint: SignedCheckpoint, what: string): void {
    const chainId = this.report.chainId;
    const root = this.tree.rootHex();
    if (root !== checkpoint.root) {
      return this.hold({
        chainId,
        seq: this.verifiedSize + 1,
        kind: 'modified',
        checkpoint: checkpoint.seq,
        detail:
          `entries ${this.verifiedSize + 1}..${checkpoint.treeSize} do not hash to the Merkle root signed in ${what} #${checkpoint.seq} ` +
          `(${checkpoint.ts}): they were rewritten after it was signed`,
      });
    }
    if (this.prevHash !== checkpoint.headHash) {
      return this.hold({
        chainId,
        seq: checkpoint.treeSize,
        kind: 'modified',
        checkpoint: checkpoint.seq,
        detail: `entry ${checkpoint.treeSize} is not the head signed in ${what} #${checkpoint.seq}`,
      });
    }
    this.verifiedSize = checkpoint.treeSize;
    this.report.signedSize = Math.max(this.report.signedSize, checkpoint.treeSize);
  }

  private release(): void {
    if (this.held) this.fail(this.held);
    this.held = undefined;
  }

  private check(entry: SealedEntry): void {
    const chainId = this.report.chainId;
    const at = { chainId, seq: entry.seq };
    // A canonical stored payload is hashed as stored, and is a JSON object: the parsed payload is
    // then never needed (a store may parse it only when read).
    const canonicalPayload = canonicalStoredPayload(entry);
    const malformed = describeMalformed(entry, canonicalPayload !== undefined);
    if (malformed) return this.fail({ ...at, kind: 'malformed', detail: malformed });
    if (entry.seq < this.expectedSeq) {
      return this.fail({ ...at, kind: 'duplicate', detail: `sequence ${entry.seq} appears again after ${this.expectedSeq - 1}` });
    }
    if (this.pendingLink) {
      this.blameLink(entry);
      if (this.report.problem) return;
    }
    if (entry.seq > this.expectedSeq) {
      const missing = entry.seq - this.expectedSeq;
      return this.fail({
        chainId,
        seq: this.expectedSeq,
        kind: 'missing',
        detail:
          missing === 1
            ? `entry ${this.expectedSeq} is missing`
            : `entries ${this.expectedSeq}..${entry.seq - 1} are missing (${missing})`,
      });
    }
    if (computeStoredEntryHash(entry, entry.prevHash, canonicalPayload) !== entry.hash) {
      this.problemEntry = entry;
      return this.fail(this.classifyBadHash(entry));
    }
    if (entry.prevHash !== this.prevHash) {
      if (entry.seq === 1) {
        return this.fail({ ...at, kind: 'modified', detail: 'the first entry does not start from the genesis hash' });
      }
      // Either this entry was re-sealed after a wrong prev_hash, or the entry before it was
      // replaced by one linked correctly to its own predecessor. The next entry tells which.
      this.pendingLink = { seq: entry.seq, entry, prevExpected: this.prevHash };
    }
  }

  /** Decides a pending broken link once the next entry (or the chain end) is seen. */
  private blameLink(next: SealedEntry | undefined): void {
    const pending = this.pendingLink as NonNullable<ChainWalker['pendingLink']>;
    this.pendingLink = undefined;
    const nextLinksToPending = next !== undefined && next.prevHash === pending.entry.hash && computeStoredEntryHash(next, next.prevHash, canonicalStoredPayload(next)) === next.hash;
    if (nextLinksToPending) {
      this.fail({
        chainId: this.report.chainId,
        seq: pending.seq - 1,
        kind: 'modified',
        detail: `entry ${pending.seq - 1} was replaced: entry ${pending.seq} was sealed after a different entry ${pending.seq - 1}`,
      });
      return;
    }
    this.fail({
      chainId: this.report.chainId,
      seq: pending.seq,
      kind: 'modified',
      detail: `entry ${pending.seq} was re-sealed: its prev_hash ${short(pending.entry.prevHash)} is not the hash of entry ${pending.seq - 1} (${short(pending.prevExpected)})`,
    });
  }

  /** An entry whose content does not match its hash: edited, swapped with another, or displaced by an insertion. */
  private classifyBadHash(entry: SealedEntry): VerificationProblem {
    const chainId = this.report.chainId;
    for (let distance = 1; distance <= REORDER_WINDOW; distance += 1) {
      for (const sealedAt of [entry.seq - distance, entry.seq + distance]) {
        if (sealedAt < 1 || computeEntryHash({ ...entry, seq: sealedAt }, entry.prevHash) !== entry.hash) continue;
        if (sealedAt === entry.seq - 1 && entry.prevHash === this.prevPrevHash) {
          return {
            chainId,
            seq: entry.seq - 1,
            kind: 'inserted',
            detail: `entry ${entry.seq - 1} was never sealed into this chain: the entry sealed as ${entry.seq - 1} follows it, renumbered to ${entry.seq}`,
          };
        }
        return {
          chainId,
          seq: entry.seq,
          kind: 'reordered',
          detail: `the entry stored at seq ${entry.seq} was sealed as seq ${sealedAt}`,
        };
      }
    }
    return {
      chainId,
      seq: entry.seq,
      kind: 'modified',
      detail: `stored hash ${short(entry.hash)} but the content hashes to ${short(computeEntryHash(entry, entry.prevHash))}`,
    };
  }

  private fail(problem: VerificationProblem): void {
    this.report.problem ??= problem;
  }

  private hold(problem: VerificationProblem): void {
    this.held ??= problem;
  }
}

/**
 * A `modified` entry that hashes correctly as `(other chain, seq)` was moved from that chain: it is
 * `inserted` here (the other chain shows it `missing`, or shorter).
 */
function recognizeMovedEntries(walkers: readonly ChainWalker[]): void {
  for (const walker of walkers) {
    const problem = walker.report.problem;
    const entry = walker.problemEntry;
    if (!problem || problem.kind !== 'modified' || !entry || problem.seq !== entry.seq) continue;
    for (const other of walkers) {
      if (other === walker) continue;
      const candidates = [other.report.headSeq + 1, ...(other.report.problem?.kind === 'missing' ? [other.report.problem.seq] : [])];
      const from = candidates.find(
        (seq) => computeEntryHash({ ...entry, chainId: other.report.chainId, seq }, entry.prevHash) === entry.hash,
      );
      if (from === undefined) continue;
      walker.report.problem = {
        chainId: problem.chainId,
        seq: problem.seq,
        kind: 'inserted',
        detail: `this entry was sealed as entry ${from} of chain "${other.report.chainId}" and moved here`,
      };
      break;
    }
  }
}

function describeMalformed(entry: SealedEntry, payloadIsObject: boolean): string | undefined {
  if (!Number.isSafeInteger(entry.seq) || entry.seq < 1) return `seq ${String(entry.seq)} is not a positive integer`;
  // A dynamically typed column (SQLite) can hold text in `v`: a finding, not a crash of the verifier.
  if (!Number.isSafeInteger(entry.v) || entry.v < 1) return `v ${String(entry.v)} is not a positive integer`;
  if (typeof entry.hash !== 'string' || !/^[0-9a-f]{64}$/.test(entry.hash)) return 'hash is not 64 lower-case hex digits';
  if (typeof entry.prevHash !== 'string' || !/^[0-9a-f]{64}$/.test(entry.prevHash)) return 'prev_hash is not 64 lower-case hex digits';
  if (!AUDIT_OUTCOMES.includes(entry.outcome)) return `unknown outcome "${String(entry.outcome)}"`;
  if (!payloadIsObject && (entry.payload === null || typeof entry.payload !== 'object' || Array.isArray(entry.payload))) {
    return 'payload is not a JSON object';
  }
  return undefined;
}

function nullableString(value: unknown): boolean {
  return value === null || typeof value === 'string';
}

/**
 * Chain ids in the order the databases sort them: byte order of UTF-8 (PostgreSQL `COLLATE "C"`,
 * SQLite `BINARY`), which differs from JavaScript's UTF-16 order only beyond the BMP.
 */
export function compareChainIds(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** One-item lookahead over an (async) iterable. */
class Peekable<T> {
  private readonly iterator: AsyncIterator<T> | Iterator<T>;
  private buffered: { value: T } | undefined;
  private done = false;

  constructor(source: Source<T>) {
    this.iterator = Symbol.asyncIterator in source ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]();
  }

  async peek(): Promise<T | undefined> {
    if (this.buffered) return this.buffered.value;
    if (this.done) return undefined;
    const result = await this.iterator.next();
    if (result.done) {
      this.done = true;
      return undefined;
    }
    this.buffered = { value: result.value };
    return result.value;
  }

  async next(): Promise<T | undefined> {
    const value = await this.peek();
    this.buffered = undefined;
    return value;
  }
}

function short(hash: string): string {
  return `${String(hash).slice(0, 12)}…`;
}
