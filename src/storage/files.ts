/**
 * Where uploaded documents live: a local folder by default, under random keys, with their
 * sha256 and size recorded. Writes go to a temporary name first, so a crash never leaves a
 * half-written file under a key the database points at.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredFile {
  storageKey: string;
  sha256: string;
  sizeBytes: number;
}

export class FileTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`file larger than ${limitBytes} bytes`);
    this.name = 'FileTooLargeError';
  }
}

export interface FileStore {
  put(content: Buffer | Readable | AsyncIterable<Uint8Array>, options?: { maxBytes?: number }): Promise<StoredFile>;
  open(storageKey: string): Readable;
  exists(storageKey: string): Promise<boolean>;
  /** What is really stored under the key (hashed from the bytes, not taken from the database); null when the file is gone. */
  inspect(storageKey: string): Promise<{ sizeBytes: number; sha256: string } | null>;
  /** Takes a file away again (its database row could not be written); gone already is fine. */
  remove(storageKey: string): Promise<void>;
  /** Every file in the store, with its size: what `sopbot doctor` compares with the documents. */
  list(): Promise<{ storageKey: string; sizeBytes: number }[]>;
}

export class LocalFileStore implements FileStore {
  constructor(private readonly root: string) {}

  async put(content: Buffer | Readable | AsyncIterable<Uint8Array>, options: { maxBytes?: number } = {}): Promise<StoredFile> {
    const storageKey = `${new Date().toISOString().slice(0, 7)}/${randomUUID()}`;
    const finalPath = this.pathOf(storageKey);
    const tempPath = `${finalPath}.partial`;
    await mkdir(dirname(finalPath), { recursive: true });
    const hash = createHash('sha256');
    let sizeBytes = 0;
    const limit = options.maxBytes ?? Number.POSITIVE_INFINITY;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        sizeBytes += chunk.length;
        if (sizeBytes > limit) return done(new FileTooLargeError(limit));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const source = Buffer.isBuffer(content) ? Readable.from([content]) : Readable.from(content);
    try {
      await pipeline(source, meter, createWriteStream(tempPath, { flags: 'wx' }));
      await rename(tempPath, finalPath);
    } catch (e) {
      await rm(tempPath, { force: true });
      throw e;
    }
    return { storageKey, sha256: hash.digest('hex'), sizeBytes };
  }

  open(storageKey: string): Readable {
    return createReadStream(this.pathOf(storageKey));
  }

  async exists(storageKey: string): Promise<boolean> {
    return stat(this.pathOf(storageKey)).then(
      () => true,
      () => false,
    );
  }

  async inspect(storageKey: string): Promise<{ sizeBytes: number; sha256: string } | null> {
    const path = this.pathOf(storageKey);
    const hash = createHash('sha256');
    let sizeBytes = 0;
    try {
      for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
        sizeBytes += chunk.length;
        hash.update(chunk);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    return { sizeBytes, sha256: hash.digest('hex') };
  }

  async remove(storageKey: string): Promise<void> {
    await rm(this.pathOf(storageKey), { force: true });
  }

  async list(): Promise<{ storageKey: string; sizeBytes: number }[]> {
    const found: { storageKey: string; sizeBytes: number }[] = [];
    let months: string[];
    try {
      const top = await readdir(this.root, { withFileTypes: true });
      months = top.filter((d) => d.isDirectory()).map((d) => d.name);
      // Nothing is ever stored at the top; a file there (a stray copy) is listed by its name too.
      for (const entry of top.filter((d) => d.isFile())) found.push({ storageKey: entry.name, sizeBytes: (await stat(join(this.root, entry.name))).size });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return found;
      throw e;
    }
    for (const month of months.sort()) {
      for (const entry of await readdir(join(this.root, month), { withFileTypes: true })) {
        if (!entry.isFile()) continue;
        // Keys are what pathOf accepts; anything else (a .partial left by a crash, a stray copy) is listed by its name.
        const storageKey = `${month}/${entry.name}`;
        found.push({ storageKey, sizeBytes: (await stat(join(this.root, storageKey))).size });
      }
    }
    return found;
  }

  private pathOf(storageKey: string): string {
    if (!/^\d{4}-\d{2}\/[0-9a-f-]{36}$/.test(storageKey)) throw new Error(`bad storage key ${storageKey}`);
    return join(this.root, storageKey);
  }
}
