import { describe, expect, it } from 'vitest';
import { createSecretBox, generateEncryptionKey } from '../../server/delivery/secret-box.js';

describe('the secret box', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  it('seals so the stored value reveals nothing, and opens it again', () => {
    const box = createSecretBox([generateEncryptionKey()]);
    const sealed = box.seal(secret);
    expect(sealed).toMatch(/^sealed:v1:[0-9a-f]{8}:/);
    expect(sealed).not.toContain('MfKQ9r8');
    expect(box.seal(secret)).not.toBe(sealed); // a fresh IV every time
    expect(box.open(sealed)).toBe(secret);
  });

  it('opens values sealed with an older key while sealing with the newest, and says which need resealing', () => {
    const [oldKey, newKey] = [generateEncryptionKey(), generateEncryptionKey()];
    const sealedWithOld = createSecretBox([oldKey]).seal(secret);
    const box = createSecretBox([newKey, oldKey]);
    expect(box.open(sealedWithOld)).toBe(secret);
    expect(box.needsResealing(sealedWithOld)).toBe(true);
    expect(box.needsResealing(box.seal(secret))).toBe(false);
    expect(box.needsResealing(secret)).toBe(true);
  });

  it('reads values stored before sealing existed as they are', () => {
    expect(createSecretBox([generateEncryptionKey()]).open('whsec_plain')).toBe('whsec_plain');
  });

  it('refuses a value sealed with a key it does not have, or tampered with, without revealing anything', () => {
    const sealed = createSecretBox([generateEncryptionKey()]).seal(secret);
    const other = createSecretBox([generateEncryptionKey()]);
    expect(() => other.open(sealed)).toThrow(/not configured; add it to HERALD_ENCRYPTION_KEY/);
    const box = createSecretBox([generateEncryptionKey()]);
    const tampered = box.seal(secret).slice(0, -4) + 'AAAA';
    expect(() => box.open(tampered)).toThrow();
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => createSecretBox(['c2hvcnQ='])).toThrow(/32 random bytes/);
    expect(() => createSecretBox([])).toThrow(/no encryption key/);
  });
});
