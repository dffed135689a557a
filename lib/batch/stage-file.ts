/**
 * Reading landed files safely: opened without following symbolic links, refused unless a regular file, and
 * copied into staging while the copied bytes are hashed — the staged copy's name (its sha256) always matches
 * its content. A source that changes while it is read is refused with a reason, never half-staged.
 */
import { randomBytes, createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { BadInputError, fileInputError } from '../errors.js';

const CHUNK = 8 << 20;

/** sha256 (hex), size and modification time of the bytes read from a landed file. */
export interface FileDigest {
  sha256: string;
  size: number;
  /** The source's mtime when it was opened (it did not change while read). */
  mtimeMs: number;
}

/** A landed file's staged copy. */
export interface StagedCopy extends FileDigest {
  /** `<stagingDir>/<sha256>` (plus `.gz` for gzip files). */
  stagedPath: string;
  /** False when a copy with this content was already staged. */
  created: boolean;
}

/** Open `path` for reading without following a link (and without blocking on a FIFO); refuse anything but a regular file. */
async function openRegular(path: string): Promise<{ fh: FileHandle; size: number; mtimeMs: number }> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP')
      throw new BadInputError(`${path} is a symbolic link: links are refused, never followed`, {
        file: path,
        reason: 'symlink',
      });
    throw fileInputError(err, path);
  }
  const st = await fh.stat();
  if (!st.isFile()) {
    await fh.close();
    throw new BadInputError(`${path} is not a regular file: only regular files are landed`, {
      file: path,
      reason: 'not_a_file',
    });
  }
  return { fh, size: st.size, mtimeMs: st.mtimeMs };
}

/**
 * Read all of `fh` (hashing it, and writing it to `out` when given); refuse a source that changed meanwhile.
 * Two buffers in flight: the next chunk is read while the current one is hashed and written (the hash and the
 * copy still see the same bytes, in order).
 */
async function readHashing(
  path: string,
  src: { fh: FileHandle; size: number; mtimeMs: number },
  out: FileHandle | undefined,
  onBytes?: (bytes: number) => void,
): Promise<FileDigest> {
  const h = createHash('sha256');
  const bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  const readAt = async (buf: Buffer, position: number): Promise<number> => {
    try {
      return (await src.fh.read(buf, 0, CHUNK, position)).bytesRead;
    } catch (err) {
      throw fileInputError(err, path);
    }
  };
  let size = 0;
  let k = 0;
  let pending = readAt(bufs[0]!, 0);
  for (;;) {
    const n = await pending;
    if (n === 0) break;
    const buf = bufs[k]!;
    k ^= 1;
    pending = readAt(bufs[k]!, size + n);
    pending.catch(() => undefined); // awaited on the next turn; a write failure below must not leave it unhandled
    h.update(buf.subarray(0, n));
    if (out) for (let off = 0; off < n;) off += (await out.write(buf, off, n - off)).bytesWritten;
    size += n;
    onBytes?.(size);
  }
  const after = await src.fh.stat();
  if (size !== src.size || after.size !== src.size || after.mtimeMs !== src.mtimeMs) {
    throw new BadInputError(
      `${path} changed while it was being landed (${src.size} bytes when opened, ${size} read, ${after.size} now): land it again once it is complete`,
      { file: path, reason: 'changed_while_landing' },
    );
  }
  return { sha256: h.digest('hex'), size, mtimeMs: src.mtimeMs };
}

/** sha256, size and mtime of the landed file `path` (read once, nothing written). */
export async function hashLandedFile(path: string, onBytes?: (bytes: number) => void): Promise<FileDigest> {
  const src = await openRegular(path);
  try {
    return await readHashing(path, src, undefined, onBytes);
  } finally {
    await src.fh.close();
  }
}

/**
 * Copy the landed file `path` into `stagingDir` as `<sha256>[.gz]`, hashing the bytes written (the copy, not a
 * later re-read of the source). The copy is written aside and renamed into place.
 */
export async function stageLandedFile(
  path: string,
  stagingDir: string,
  gzip: boolean,
  onBytes?: (bytes: number) => void,
): Promise<StagedCopy> {
  const src = await openRegular(path);
  const tmp = `${stagingDir}/.stage-${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  let digest: FileDigest;
  try {
    const out = await open(tmp, 'wx');
    try {
      digest = await readHashing(path, src, out, onBytes);
    } finally {
      await out.close();
    }
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    await src.fh.close();
  }
  const stagedPath = `${stagingDir}/${digest.sha256}${gzip ? '.gz' : ''}`;
  const exists = await stat(stagedPath).then(
    (s) => s.size === digest.size,
    () => false,
  );
  if (exists) await rm(tmp, { force: true });
  else await rename(tmp, stagedPath);
  return { ...digest, stagedPath, created: !exists };
}
