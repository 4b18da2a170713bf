import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for target credentials at rest. The blob is `version(1) | iv(12) | tag(16) | ciphertext`;
 * the associated data binds it to its row (target and account), so a blob copied onto another
 * row fails to decrypt instead of handing out the wrong password.
 */
const VERSION = 1;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
export const MASTER_KEY_LENGTH = 32;

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== MASTER_KEY_LENGTH)
      throw new Error(`The master key must be ${MASTER_KEY_LENGTH} bytes`);
  }

  seal(plaintext: string, context: string): Buffer {
    const iv = randomBytes(IV_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_LENGTH });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  open(blob: Buffer, context: string): string {
    if (blob.length < 1 + IV_LENGTH + TAG_LENGTH || blob[0] !== VERSION) {
      throw new Error('Unknown secret format');
    }
    const iv = blob.subarray(1, 1 + IV_LENGTH);
    const tag = blob.subarray(1 + IV_LENGTH, 1 + IV_LENGTH + TAG_LENGTH);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_LENGTH });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([
      decipher.update(blob.subarray(1 + IV_LENGTH + TAG_LENGTH)),
      decipher.final(),
    ]).toString('utf8');
  }
}
