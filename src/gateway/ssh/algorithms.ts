import type { Algorithms } from 'ssh2';

/**
 * Ciphers of both legs, fastest first: AES-GCM runs on the CPU's AES instructions through
 * OpenSSL and costs the gateway, the operator's client and the target less per byte than
 * chacha20-poly1305. An SSH server takes the client's first choice among those it offers, so the
 * operator leg leaves chacha20-poly1305 out: every OpenSSH since 6.2 (and PuTTY, WinSCP) speaks
 * AES-GCM. Only AEAD and CTR ciphers (with ssh2's default encrypt-then-MAC MACs) are offered.
 */
export const SSH_CIPHERS = [
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
] as const;

export const SSH_ALGORITHMS: Algorithms = { cipher: [...SSH_CIPHERS] };
