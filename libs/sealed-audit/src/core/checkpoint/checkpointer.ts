import type { SealedEntry } from '../audit-event';
import { MerkleTreeBuilder, merkleLeafHash } from '../merkle';
import { GENESIS_HASH, computeEntryHash } from '../sealing/seal';
import { consoleAuditLogger, type AuditLogger } from '../writer/audit-logger';
import type { AuditWriterHook } from '../writer/audit-writer';
import type { AnchorSink } from './anchor-sink';
import { GENESIS_CHECKPOINT_HASH, checkpointMessage, computeCheckpointHash, type CheckpointBody, type SignedCheckpoint } from './checkpoint';
import { keyIdOf, publicKeyPem, toPublicKey, verifyCheckpointSignature, type CheckpointSigner, InvalidSigningKeyError } from './checkpoint-signer';
import { CheckpointConflictError, type CheckpointStore, type StoredCheckpoint } from './checkpoint-store.interface';

/** Options of {@link Checkpointer}. */
export interface CheckpointerOptions {
  signer: CheckpointSigner;
  /** Copies of every checkpoint outside the database. */
  anchor?: AnchorSink;
  /** A checkpoint once this many entries were appended since the last one. Default 1000. */
  everyEntries?: number;
  /** A checkpoint of every known chain this often, in ms, also while idle. Default 60 000. 0 disables the timer. */
  intervalMs?: number;
  logger?: AuditLogger;
  /** Clock, for tests of timestamps (never of durations). */
  now?: () => Date;
}

/** Counters of the checkpointer. */
export interface CheckpointerStats {
  checkpoints: number;
  anchored: number;
  failures: number;
  anchorFailures: number;
  lastError: string | null;
}

/** Thrown when a chain cannot be checkpointed because what is stored does not verify. */
export class CheckpointRefusedError extends Error {
  constructor(
    readonly chainId: string,
    readonly seq: number,
    reason: string,
  ) {
    super(`refusing to sign a checkpoint of chain "${chainId}": entry ${seq} ${reason}. Run \`sealed-audit verify\`.`);
    this.name = 'CheckpointRefusedError';
  }
}

interface ChainState {
  tree: MerkleTreeBuilder;
  headHash: string;
  last: SignedCheckpoint | null;
  /** The tree follows the entries the writer reported without a hole. */
  inSync: boolean;
}

const MAX_CONFLICT_RETRIES = 10;

/**
 * Signs RFC 6962 Merkle roots of chains: every `everyEntries` appended entries, every
 * `intervalMs` (also while idle, so an anchor shows the trail was alive and how long it was), on
 * demand and when the writer closes. Each checkpoint is stored (append-only table), then written
 * to the anchor sink.
 *
 * Plugged into an `AuditWriter` as a hook ({@link Checkpointer.hook}): it sees every committed
 * batch. A chain's tree is resumed from the newest stored checkpoint (its Merkle frontier), and
 * entries it has not seen (another process appending to the same chain, a restart) are read back
 * from the store and verified (hash and link) before anything is signed: a checkpoint never
 * vouches for entries that do not verify.
 *
 * @example
 * const checkpointer = new Checkpointer(store, { signer: createEd25519Signer(pem), anchor: new FileAnchorSink(file) });
 * await checkpointer.start();
 * const writer = new AuditWriter(store, redactor, { chainId, hooks: [checkpointer.hook] });
 */
export class Checkpointer {
  private readonly chains = new Map<string, ChainState>();
  private readonly dueChains = new Set<string>();
  /** Chains to checkpoint on the timer and at close. */
  private readonly known = new Set<string>();
  /** Newest seq seen through the hook, and tree size of the newest checkpoint, per chain. */
  private readonly observedHead = new Map<string, number>();
  private readonly signedSize = new Map<string, number>();
  private readonly everyEntries: number;
  private readonly intervalMs: number;
  private readonly logger: AuditLogger;
  private readonly now: () => Date;
  private readonly publicKey;
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private started = false;
  private closed = false;
  private readonly counters: CheckpointerStats = { checkpoints: 0, anchored: 0, failures: 0, anchorFailures: 0, lastError: null };

  /** The writer hook: feeds committed entries in, checkpoints when due, and once more at close. */
  readonly hook: AuditWriterHook = {
    afterAppend: (entries) => this.observe(entries),
    beforeClose: () => this.close(),
  };

  constructor(
    private readonly store: CheckpointStore,
    private readonly options: CheckpointerOptions,
  ) {
    this.everyEntries = options.everyEntries ?? 1000;
    this.intervalMs = options.intervalMs ?? 60_000;
    this.logger = options.logger ?? consoleAuditLogger;
    this.now = options.now ?? (() => new Date());
    this.publicKey = toPublicKey(options.signer.publicKey);
    if (keyIdOf(this.publicKey) !== options.signer.keyId) {
      throw new InvalidSigningKeyError(
        `the signer's keyId ${options.signer.keyId} is not the id of its public key (${keyIdOf(this.publicKey)}): ` +
          'use keyIdOf(publicKey), the hex SHA-256 of the SPKI DER key.',
      );
    }
  }

  get keyId(): string {
    return this.options.signer.keyId;
  }

  /** Records the public key in the store and starts the interval timer. */
  async start(): Promise<void> {
    if (this.started) return;
    await this.store.registerSigningKey({ keyId: this.keyId, publicKey: publicKeyPem(this.publicKey) });
    this.started = true;
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => void this.checkpointAll('interval').catch(() => undefined), this.intervalMs);
      // A pending checkpoint must not keep the process alive; close() writes the last one.
      this.timer.unref();
    }
  }

  /** Makes a checkpoint of `chainId` now (even if nothing changed since the last one). */
  checkpoint(chainId: string): Promise<SignedCheckpoint | null> {
    this.known.add(chainId);
    return this.serial(() => this.checkpointChain(chainId, 'forced'));
  }

  /** Adds a chain to checkpoint on the timer (and at close) even before an entry is appended to it. */
  track(chainId: string): void {
    this.known.add(chainId);
  }

  /** Checkpoints every chain this checkpointer has seen or tracks. */
  async checkpointAll(reason: 'interval' | 'forced' = 'forced'): Promise<void> {
    for (const chainId of [...this.known]) {
      await this.serial(() => this.checkpointChain(chainId, reason)).catch(() => undefined);
    }
  }

  /** Stops the timer, writes a final checkpoint of every chain that changed, closes the anchor. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const chainId of [...this.known]) {
      await this.serial(() => this.checkpointChain(chainId, 'close')).catch(() => undefined);
    }
    await this.queue;
    await this.options.anchor?.close?.().catch((error: unknown) => this.logger.error(`closing the anchor failed: ${describe(error)}`));
  }

  /** Resolves when every checkpoint started so far is done (stored and anchored, or failed). */
  async settled(): Promise<void> {
    await this.queue;
  }

  stats(): CheckpointerStats {
    return { ...this.counters };
  }

  /** Called by the writer after each committed batch. Never throws. */
  private observe(entries: readonly SealedEntry[]): void {
    for (const entry of entries) {
      this.known.add(entry.chainId);
      const state = this.chains.get(entry.chainId);
      if (state?.inSync && entry.seq === state.tree.size + 1 && entry.prevHash === state.headHash) {
        state.tree.append(merkleLeafHash(Buffer.from(entry.hash, 'hex')));
        state.headHash = entry.hash;
      } else if (state) {
        state.inSync = false;
      }
      const head = Math.max(this.observedHead.get(entry.chainId) ?? 0, entry.seq);
      this.observedHead.set(entry.chainId, head);
      if (head - (this.signedSize.get(entry.chainId) ?? 0) >= this.everyEntries) this.dueChains.add(entry.chainId);
    }
    for (const chainId of this.dueChains) {
      this.dueChains.delete(chainId);
      void this.serial(() => this.checkpointChain(chainId, 'count')).catch(() => undefined);
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async checkpointChain(chainId: string, reason: 'count' | 'interval' | 'forced' | 'close'): Promise<SignedCheckpoint | null> {
    try {
      for (let attempt = 0; ; attempt += 1) {
        const state = await this.catchUp(chainId);
        const size = state.tree.size;
        const unchanged = state.last !== null && state.last.treeSize === size;
        if (size === 0) return null;
        if (reason === 'count' && size - (state.last?.treeSize ?? 0) < this.everyEntries) return null;
        if (reason === 'close' && unchanged) return null;
        const body: CheckpointBody = {
          v: 1,
          chainId,
          seq: (state.last?.seq ?? 0) + 1,
          treeSize: size,
          root: state.tree.root().toString('hex'),
          headHash: state.headHash,
          ts: this.now().toISOString(),
          prevHash: state.last?.hash ?? GENESIS_CHECKPOINT_HASH,
          keyId: this.keyId,
        };
        const signature = Buffer.from(await this.options.signer.sign(checkpointMessage(body))).toString('base64');
        const signed: SignedCheckpoint = { ...body, hash: computeCheckpointHash(body), signature };
        if (!verifyCheckpointSignature(signed, this.publicKey)) {
          throw new InvalidSigningKeyError(`the signer returned a signature that does not verify with key ${this.keyId}`);
        }
        try {
          await this.store.appendCheckpoint({ ...signed, frontier: state.tree.state().nodes });
        } catch (error) {
          if (error instanceof CheckpointConflictError && attempt < MAX_CONFLICT_RETRIES) {
            // Another process checkpointed the same chain: continue from its checkpoint.
            this.chains.delete(chainId);
            continue;
          }
          throw error;
        }
        state.last = signed;
        this.signedSize.set(chainId, signed.treeSize);
        this.counters.checkpoints += 1;
        await this.anchor(signed);
        return signed;
      }
    } catch (error) {
      this.counters.failures += 1;
      this.counters.lastError = describe(error);
      this.logger.error(`audit checkpoint of chain "${chainId}" failed: ${this.counters.lastError}`);
      throw error;
    }
  }

  private async anchor(checkpoint: SignedCheckpoint): Promise<void> {
    if (!this.options.anchor) return;
    try {
      await this.options.anchor.write(checkpoint);
      this.counters.anchored += 1;
    } catch (error) {
      // The checkpoint is committed; the next one is anchored again and covers this one.
      this.counters.anchorFailures += 1;
      this.logger.error(`writing audit checkpoint ${checkpoint.chainId}#${checkpoint.seq} to the anchor failed: ${describe(error)}`);
    }
  }

  /** The chain's tree, resumed from the newest stored checkpoint and caught up with the store. */
  private async catchUp(chainId: string): Promise<ChainState> {
    let state = this.chains.get(chainId);
    if (!state) {
      const last = await this.store.readLatestCheckpoint(chainId);
      state = { tree: new MerkleTreeBuilder(), headHash: GENESIS_HASH, last, inSync: false };
      if (last) {
        const tree = new MerkleTreeBuilder({ size: last.treeSize, nodes: last.frontier });
        if (tree.root().toString('hex') !== last.root) {
          throw new CheckpointRefusedError(chainId, last.treeSize, 'is covered by a stored checkpoint whose Merkle frontier does not reproduce its root');
        }
        state.tree = tree;
        state.headHash = last.headHash;
        this.signedSize.set(chainId, last.treeSize);
      }
      this.chains.set(chainId, state);
    }
    if (!state.inSync) {
      for await (const entry of this.store.readChain(chainId, state.tree.size)) {
        const expected = state.tree.size + 1;
        if (entry.seq !== expected) throw new CheckpointRefusedError(chainId, expected, entry.seq > expected ? 'is missing' : 'appears twice');
        if (entry.prevHash !== state.headHash) throw new CheckpointRefusedError(chainId, entry.seq, 'does not link to the entry before it');
        if (computeEntryHash(entry, entry.prevHash) !== entry.hash) throw new CheckpointRefusedError(chainId, entry.seq, 'does not match its hash');
        state.tree.append(merkleLeafHash(Buffer.from(entry.hash, 'hex')));
        state.headHash = entry.hash;
      }
      state.inSync = true;
    }
    return state;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
