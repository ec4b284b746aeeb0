import type { Readable } from 'node:stream';
import type { AuditEvent } from '../catalog/types';

/** One record to put in a bag: the catalog's facts about it and a way to read its stored bytes. */
export interface BagRecord {
  recordId: string;
  recordType: string;
  /** The object key in the archive; the file is `data/records/<objectKey>` in the bag. */
  objectKey: string;
  /** `YYYY-MM-DD`. */
  businessDate: string;
  clientId: string | null;
  accountId: string | null;
  instrument: string | null;
  /** Bytes, as catalogued. */
  size: number;
  /** SHA-256 (lower-case hex) as catalogued. */
  sha256: string;
  /** CRC-64/XZ as an unsigned decimal string, as catalogued (and as OSS reports it). */
  crc64: string;
  /** Default: `application/json` for keys ending in `.json`, else `application/octet-stream`. */
  contentType?: string;
  /**
   * Opens the stored bytes (a GET from the records bucket). Called once, when the record's turn
   * comes; the stream is read to its end or destroyed.
   */
  open: () => Readable | Promise<Readable>;
  /**
   * Reads the stored bytes whole (one GET), for a record of at most READ_WHOLE_MAX_BYTES: used
   * instead of `open` when given. `crc64` is the CRC-64 the store has already checked the bytes
   * against (what OSS announced), when it has; the builder then compares it with the catalog's
   * rather than computing it again.
   */
  read?: () => Promise<{ bytes: Buffer; crc64?: string }>;
  /** The record's C2SP tlog-proof (`c2sp.org/tlog-proof@v1`) against the bag's checkpoint. */
  proof: string;
  /**
   * Fields to show in index.html for a record whose stored bytes are not a JSON object (a
   * document's description, say). JSON records are shown from their own bytes.
   */
  fields?: Record<string, unknown>;
}

/** The SFC request the bag answers; it goes into bag-info.txt, index.html and README.txt. */
export interface BagRequest {
  /** The export id: the bag's top directory and its External-Identifier. Follows the path rule. */
  exportId: string;
  /** The regulator's reference for the request. */
  reference: string;
  recipient: { name: string; organisation: string; email?: string | null };
  purpose: string;
  /** The criteria the records were selected by (shown as given; JSON-serialisable). */
  criteria?: Record<string, unknown>;
  /** Who asked for the export (a principal's name or id). */
  requestedBy?: string | null;
}

export interface BuildBagInput {
  request: BagRequest;
  /** The licensed corporation producing the records (bag-info.txt Source-Organization). */
  sourceOrganization: string;
  /** Bagging-Date and the time stamp of every file in the ZIP (so a rebuild is byte-identical). */
  baggedAt: Date;
  /** In the order they go into the bag (and index.html's initial order). */
  records: AsyncIterable<BagRecord> | Iterable<BagRecord>;
  /** The audit trail of these records, as the catalog holds it. */
  auditEvents: AsyncIterable<AuditEvent> | Iterable<AuditEvent>;
  /** The signed checkpoint (C2SP signed note) every proof refers to. */
  checkpoint: string;
  /** The log's verifier key, `<name>+<hex key id>+<base64 key>`. */
  verifierKey: string;
  /** Where the builder keeps its spool files while it runs (default: the OS temp directory). */
  tmpDir?: string;
  /** What the build's spools may hold in memory before they go to files in tmpDir (default 24 MiB, SPOOL_MEMORY_BYTES). */
  spoolMemoryBytes?: number;
  /** JSON records up to this size are embedded in index.html (default 1 MiB). */
  embedLimitBytes?: number;
  /**
   * zlib level for text files of 64 KiB and more (large JSON records, index, manifests, audit);
   * other files are stored. Default 6; 0 stores everything.
   */
  compressionLevel?: number;
  /** Called as each part of the bag begins, and at its end (progress, and the build's timings). */
  onPhase?: (phase: BagPhase, records: number) => void;
}

/** The parts of a bag, in the order they are written; `end` once the ZIP has ended. */
export type BagPhase = 'records' | 'audit' | 'index' | 'tags' | 'end';

/** What the finished bag is; known once the whole stream has been read. */
export interface BagResult {
  exportId: string;
  /** SHA-256 (hex) and size of the ZIP as streamed. */
  sha256: string;
  size: number;
  /** Records in the bag and the sum of their sizes. */
  records: number;
  recordBytes: number;
  auditEvents: number;
  /** Payload-Oxum: payload files (everything under data/) and their bytes. */
  payloadFiles: number;
  payloadBytes: number;
}

/** A bag being built: read `stream` to its end; `done` settles when it has been read. */
export interface BagBuild {
  /**
   * The ZIP. It errors (and never ends) when a record fails its checks or a source fails: whoever
   * stores it must then abort (an unfinished multipart upload, a temp file removed), never keep it.
   */
  stream: Readable;
  done: Promise<BagResult>;
  /**
   * Takes back a chunk of `stream` that its reader is done with, to fill again (buildBagInWorker
   * only; the upload's onPartUploaded). Chunks not given back are simply dropped.
   */
  recycle?: (chunk: Buffer) => void;
}
