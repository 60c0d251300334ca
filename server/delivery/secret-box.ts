import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Webhook secrets and custom header values are stored sealed with AES-256-GCM, so a database dump alone reveals none
 * of them. Several keys may be configured: the first seals, every one opens, so the key itself can be rotated (add
 * the new key first, restart, re-seal with `herald secrets reseal` or let rotations do it, then drop the old key).
 *
 * A sealed value reads `sealed:v1:<key id>:<base64 of iv, tag and ciphertext>`; the key id is the first 8 hex
 * characters of the key's SHA-256, so a value says which key opens it without revealing anything about the key.
 */
export interface SecretBox {
  seal(plaintext: string): string;
  /** Opens a sealed value; a value stored before sealing existed is returned as it is. */
  open(stored: string): string;
  /** True when `stored` is plaintext or sealed with a key other than the current one. */
  needsResealing(stored: string): boolean;
}

const PREFIX = 'sealed:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

/** `keys`: base64 of 32 random bytes each, the current key first. */
export function createSecretBox(keys: string[]): SecretBox {
  if (keys.length === 0) throw new SecretBoxError('no encryption key configured');
  const ring = keys.map((encoded) => {
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32) throw new SecretBoxError('an encryption key must be 32 random bytes, base64-encoded');
    return { id: keyId(key), key };
  });
  const current = ring[0]!;
  return {
    seal(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${PREFIX}${current.id}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
    },
    open(stored) {
      if (!stored.startsWith(PREFIX)) return stored;
      const [id, payload] = stored.slice(PREFIX.length).split(':');
      const entry = ring.find((candidate) => candidate.id === id);
      if (!entry) {
        throw new SecretBoxError(
          `a secret is sealed with key ${id}, which is not configured; add it to HERALD_ENCRYPTION_KEY`,
        );
      }
      const bytes = Buffer.from(payload ?? '', 'base64');
      const decipher = createDecipheriv('aes-256-gcm', entry.key, bytes.subarray(0, IV_BYTES));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    },
    needsResealing(stored) {
      return !stored.startsWith(`${PREFIX}${current.id}:`);
    },
  };
}

export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** A new key, as HERALD_ENCRYPTION_KEY takes it. */
export function generateEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}
